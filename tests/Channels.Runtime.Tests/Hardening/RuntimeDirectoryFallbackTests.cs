using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild;
using Channels.Transports;
using Xunit;

namespace Channels.Runtime.Tests.Hardening;

/// <summary>
/// Issue 15, point 8: with XDG_RUNTIME_DIR unset, a /tmp/channels-&lt;uid&gt; made by another user or open to others is
/// never used and never fatal: the process falls back to a private directory of its own.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RuntimeDirectoryFallbackTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OpenToAll = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
    private readonly string _temp = Directory.CreateTempSubdirectory("chn-tmp-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private string Shared => Path.Combine(_temp, "channels-" + UnixNative.EffectiveUserId);

    [Fact]
    public void AFreeSharedDirectoryIsCreatedPrivateAndUsed()
    {
        Assert.Equal(Shared, RuntimeDirectory.EnsureShared(_temp));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(Shared));
    }

    [Fact]
    public void ASharedDirectoryOpenToOthersIsLeftAloneForAPrivateOne()
    {
        Directory.CreateDirectory(Shared);
        File.SetUnixFileMode(Shared, OpenToAll);

        string used = RuntimeDirectory.EnsureShared(_temp);

        Assert.NotEqual(Shared, used);
        Assert.StartsWith(Shared + "-", used);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(used));
        Assert.Equal(UnixNative.EffectiveUserId, UnixNative.GetOwner(used));
        Assert.Equal(OpenToAll, File.GetUnixFileMode(Shared)); // untouched
        Assert.Equal(used, RuntimeDirectory.EnsureShared(_temp));                                            // one per process
    }

    [Fact]
    public async Task AProcessWhoseSharedDirectoryBelongsToAnotherUserListensAndConnectsInAPrivateOne()
    {
        Directory.CreateDirectory(Shared);
        File.SetUnixFileMode(Shared, OwnerOnly);
        ChangeOwner(Shared, 54321); // as another user would have made it (the tests run as root here)

        using var directory = new TestRuntimeDirectory();
        await using Child child = Child.Start(directory, "self-connect", [], configure: info =>
        {
            info.Environment.Remove("XDG_RUNTIME_DIR");
            info.Environment.Remove(ScenarioOptions.RuntimeDirectoryVariable);
            info.Environment["TMPDIR"] = _temp;
        });
        string line = await child.WaitForLineAsync("ok", TimeSpan.FromSeconds(60));
        Assert.Equal(0, await child.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        string used = line.Split(' ')[2];
        Assert.StartsWith(Shared + "-", used);
        Assert.Empty(Directory.GetFiles(Shared));
    }

    private static void ChangeOwner(string path, int uid)
    {
        using var chown = System.Diagnostics.Process.Start("chown", [uid.ToString(System.Globalization.CultureInfo.InvariantCulture), path]);
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
        Assert.Equal((uint)uid, UnixNative.GetOwner(path));
    }
}
