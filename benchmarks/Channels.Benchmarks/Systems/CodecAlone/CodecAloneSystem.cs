using Channels.Benchmarks.SideBySide;
using Channels.Benchmarks.Systems.HandWritten;

namespace Channels.Benchmarks.Systems.CodecAlone;

/// <summary>
/// The ceiling of every system that encodes each message in one process and decodes it in another: the baseline's
/// MemoryPack work and nothing else. Per round the parent encodes the messages exactly as the baseline's sender does
/// (length prefix, <c>MemoryPackSerializer.Serialize</c> into a pooled buffer that is reset every 64 KiB, where the
/// baseline calls <c>send()</c>) while the child decodes as many, exactly as the baseline's receiver does, from the
/// same bytes encoded once before any round; the child reports its end once both are done. A Unix socket carries
/// one byte at the start of a round and one at the end of the encoding, nothing else: no transport of messages, no
/// copy between the processes, no wake-up per batch (a perfect two-core pipeline, each process with its own heap as
/// in every other pair). A target above this row's ratio asks for more than encoding and decoding alone allow.
/// </summary>
public sealed class CodecAloneSystem : ProcessPairSystem
{
    /// <inheritdoc/>
    public override string Id => "codec-alone";

    /// <inheritdoc/>
    public override string DisplayName => SystemNames.CodecAlone;

    /// <inheritdoc/>
    public override bool Supports(CaseKind kind) => kind is CaseKind.Small or CaseKind.Struct32;

    /// <inheritdoc/>
    protected override Task<Func<CancellationToken, Task<IPairSender>>> ListenAsync(string socketPath, CancellationToken cancellationToken)
        => Task.FromResult(UnixSockets.ListenOnce(socketPath, static socket => new CodecAloneSender(socket)));

    /// <inheritdoc/>
    public override async Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken)
        => new CodecAloneReceiver(await UnixSockets.ConnectAsync(address, cancellationToken).ConfigureAwait(false));
}
