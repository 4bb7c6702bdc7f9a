using System.Diagnostics;
using System.Net.Sockets;
using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Channels.Transports;
using Xunit;

namespace Channels.Runtime.Tests.Transports;

/// <summary>Named endpoints: the runtime directory, socket and key files, their modes and their lifetime.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EndpointTests : IDisposable
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerAll = OwnerReadWrite | UnixFileMode.UserExecute;
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ListenerCreatesOwnerOnlyDirectorySocketAndKeyAndRemovesThemOnDispose()
    {
        var listener = ISimple.Listen("modes", _directory.Options());
        string socket = Path.Combine(_directory.Path, "modes.sock");
        string key = Path.Combine(_directory.Path, "modes.key");

        Assert.Equal("unix:" + socket, listener.Endpoint);
        Assert.Equal(OwnerAll, File.GetUnixFileMode(_directory.Path));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(socket));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(key));
        Assert.Equal(32, new FileInfo(key).Length);
        Assert.Equal(UnixNative.EffectiveUserId, UnixNative.GetOwner(socket));

        await listener.DisposeAsync();

        Assert.Empty(_directory.LeftoverFiles());
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    [InlineData("has space")]
    [InlineData("x..y")]
    [InlineData("unix:relative/path.sock")]
    public void BadEndpointNamesAreRejected(string endpoint)
    {
        Assert.Throws<ArgumentException>(() => ISimple.Listen(endpoint, _directory.Options()));
    }

    [Fact]
    public void OverlongNamesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => ISimple.Listen(new string('n', EndpointAddress.MaxNameLength + 1), _directory.Options()));
        Assert.Throws<ArgumentException>(() => ISimple.Listen("unix:/" + new string('p', 200) + ".sock", _directory.Options(key: new byte[32])));
    }

    [Fact]
    public void ADirectoryOpenToOthersIsRefused()
    {
        Directory.CreateDirectory(_directory.Path);
        File.SetUnixFileMode(_directory.Path, OwnerAll | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var ex = Assert.Throws<UnauthorizedAccessException>(() => ISimple.Listen("open", _directory.Options()));
        Assert.Contains("700", ex.Message);
    }

    [Fact]
    public void ADirectoryOwnedByAnotherUserIsRefused()
    {
        string directory;
        if (UnixNative.EffectiveUserId == 0)
        {
            // As root: make a private directory and give it to 'nobody'.
            Directory.CreateDirectory(_directory.Path, OwnerAll);
            using (var chown = Process.Start("chown", ["65534", _directory.Path]))
            {
                chown.WaitForExit();
                Assert.Equal(0, chown.ExitCode);
            }
            directory = _directory.Path;
        }
        else
        {
            directory = "/"; // owned by root, never by a test user
        }

        var ex = Assert.Throws<UnauthorizedAccessException>(() => ISimple.Listen("theirs", new ChannelOptions { RuntimeDirectory = directory }));
        Assert.Contains("belongs to user", ex.Message);
    }

    [Fact]
    public async Task AStaleSocketFileIsReplacedButALiveListenerIsNot()
    {
        Directory.CreateDirectory(_directory.Path, OwnerAll);
        string path = Path.Combine(_directory.Path, "stale.sock");
        // A bound socket that nobody accepts on: what a crashed listener leaves behind.
        using var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        dead.Bind(new UnixDomainSocketEndPoint(path));
        Assert.True(File.Exists(path));

        await using var listener = ISimple.Listen("stale", _directory.Options());
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync("stale", _directory.Options()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Throws<IOException>(() => ISimple.Listen("stale", _directory.Options()));
    }

    [Fact]
    public async Task ExplicitPathsNeedAKeyOnBothSides()
    {
        Directory.CreateDirectory(_directory.Path, OwnerAll);
        string endpoint = "unix:" + Path.Combine(_directory.Path, "explicit.sock");
        Assert.Throws<ArgumentException>(() => ISimple.Listen(endpoint, new ChannelOptions()));

        byte[] key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using var listener = ISimple.Listen(endpoint, new ChannelOptions { Key = key });
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(Path.Combine(_directory.Path, "explicit.sock")));
        await using ISimple.Peer peer = await ISimple.Peer.ConnectAsync(endpoint, new ChannelOptions { Key = key }).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await opener.Numbers.WriteAsync(3);
        Assert.Equal(3, await peer.Numbers.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
