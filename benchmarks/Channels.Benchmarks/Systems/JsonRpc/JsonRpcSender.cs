using System.Diagnostics;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.JsonRpc;

/// <summary>The parent end: one notification per message (one-way), one invocation per ping.</summary>
public sealed class JsonRpcSender(StreamJsonRpc.JsonRpc rpc) : IPairSender
{
    /// <inheritdoc/>
    public async ValueTask SendAsync(CaseKind kind, int count, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case CaseKind.Small:
                for (int i = 0; i < count; i++)
                {
                    await rpc.NotifyAsync(nameof(RpcSink.Small), Payloads.SmallRing[i % Payloads.RingSize]).ConfigureAwait(false);
                }

                break;
            case CaseKind.Struct32:
                for (int i = 0; i < count; i++)
                {
                    await rpc.NotifyAsync(nameof(RpcSink.Struct), Payloads.StructRing[i % Payloads.RingSize]).ConfigureAwait(false);
                }

                break;
            default:
                byte[] payload = kind == CaseKind.Bytes1K ? Payloads.Bytes1K : Payloads.Bytes64K;
                for (int i = 0; i < count; i++)
                {
                    await rpc.NotifyAsync(nameof(RpcSink.Bytes), payload).ConfigureAwait(false);
                }

                break;
        }
    }

    /// <inheritdoc/>
    public async ValueTask PingPongAsync(long[] latencies, CancellationToken cancellationToken)
    {
        SmallRecord ping = Payloads.Ping;
        for (int i = 0; i < latencies.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            ping = await rpc.InvokeWithCancellationAsync<SmallRecord>(nameof(RpcSink.Echo), [ping], cancellationToken).ConfigureAwait(false);
            latencies[i] = Stopwatch.GetTimestamp() - start;
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        rpc.Dispose();
        return ValueTask.CompletedTask;
    }
}
