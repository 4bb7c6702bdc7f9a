using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Xunit;

namespace Channels.Runtime.Tests.CrossProcess;

/// <summary>Acceptance 5 across processes: another shape of the contract, or a wrong key, fails at connect on both sides.</summary>
public abstract class ContractCheckTests(bool sharedMemory) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TestRuntimeDirectory _directory = new() { SharedMemory = sharedMemory };

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AChangedMessageShapeFailsAtConnectNamingBothFingerprints()
    {
        await using var listener = ITransfer.Listen("shape", _directory.Options());
        await using Child child = Child.Start(_directory, "connect", ["shape", "transfer-changed"]);

        string line = await child.WaitForLineAsync("", Timeout);
        Assert.StartsWith("error ContractMismatchException", line);
        ulong fingerprint = ITransfer.Definition.Descriptor.Fingerprint;
        Assert.Contains(fingerprint.ToString("x16"), line);
        Assert.Contains((fingerprint ^ 1).ToString("x16"), line);
        Assert.True(SpinWait.SpinUntil(() => listener.RejectedCount == 1, Timeout));
        var rejected = Assert.IsType<ContractMismatchException>(listener.LastRejection);
        Assert.Equal(fingerprint ^ 1, rejected.RemoteFingerprint);
        Assert.Equal(fingerprint, rejected.LocalFingerprint);
    }

    [Fact]
    public async Task ADifferentContractFailsAtConnect()
    {
        await using var listener = ITransfer.Listen("other", _directory.Options());
        await using Child child = Child.Start(_directory, "connect", ["other", "simple"]);

        string line = await child.WaitForLineAsync("", Timeout);
        Assert.StartsWith("error ContractMismatchException", line);
        Assert.Contains("ITransfer", line);
        Assert.Contains("ISimple", line);
    }

    [Fact]
    public async Task AChildWithTheWrongKeyIsRefusedAndNothingIsAccepted()
    {
        await using var listener = ITransfer.Listen("locked", _directory.Options());
        await using Child child = Child.Start(_directory, "connect", ["locked", "transfer"], key: new byte[32]);

        string line = await child.WaitForLineAsync("", Timeout);
        Assert.StartsWith("error AuthenticationFailedException", line);
        Assert.True(SpinWait.SpinUntil(() => listener.RejectedCount == 1, Timeout));
        ValueTask<ITransfer> accept = listener.AcceptAsync();
        await Task.Delay(200);
        Assert.False(accept.IsCompleted);
    }
}

/// <summary>The suite with its links kept on the Unix socket.</summary>
public sealed class ContractCheckTestsOverSocket() : ContractCheckTests(sharedMemory: false);

/// <summary>The suite with its links in shared memory.</summary>
public sealed class ContractCheckTestsOverSharedMemory() : ContractCheckTests(sharedMemory: true);
