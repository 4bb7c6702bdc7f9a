using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.JsonRpc;

/// <summary>The child end: the <see cref="RpcSink"/> target counts; echoes are served by the target as they come.</summary>
public sealed class JsonRpcReceiver(StreamJsonRpc.JsonRpc rpc, RpcSink sink) : IPairReceiver
{
    private long _consumed;
    private long _checksum;

    /// <inheritdoc/>
    public async ValueTask<long> ReceiveAsync(CaseKind kind, int count, CancellationToken cancellationToken)
    {
        _consumed += count;
        long total = await sink.WaitForAsync(_consumed, cancellationToken).ConfigureAwait(false);
        long round = total - _checksum;
        _checksum = total;
        return round;
    }

    /// <inheritdoc/>
    public ValueTask EchoAsync(int count, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        rpc.Dispose();
        return ValueTask.CompletedTask;
    }
}
