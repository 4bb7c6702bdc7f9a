using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.CodecAlone;

/// <summary>
/// The ceiling of every system that encodes each message on one side and decodes it on the other: the baseline's
/// MemoryPack work and nothing else, in one process. Per round, one thread encodes the messages (length-prefixed,
/// into a pooled buffer that is reset every 64 KiB, as the baseline does before each <c>send()</c>) while another
/// decodes as many from frames encoded before the round (the same bytes the baseline puts on the wire); the round
/// ends when both are done. No transport, no copy between the two, no wake-up: a perfect two-core pipeline. A target
/// above this row's ratio asks for more than decoding and encoding alone allow.
/// </summary>
public sealed class CodecAloneSystem : PairSystem
{
    /// <inheritdoc/>
    public override string Id => "codec-alone";

    /// <inheritdoc/>
    public override string DisplayName => SystemNames.CodecAlone;

    /// <inheritdoc/>
    public override bool Supports(CaseKind kind) => kind is CaseKind.Small or CaseKind.Struct32;

    /// <inheritdoc/>
    public override Task<PairConnection> ConnectAsync(string workDirectory, CancellationToken cancellationToken)
    {
        var round = new CodecRound();
        return Task.FromResult(new PairConnection(new CodecAloneSender(round), InProcessPeer.Start(new CodecAloneReceiver(round))));
    }

    /// <inheritdoc/>
    public override Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken)
        => throw new NotSupportedException("the codec-alone system has no child process");
}
