using Channels.Benchmarks.SideBySide;
namespace Channels.Benchmarks.Systems.JsonRpc;

/// <summary>StreamJsonRpc over a Unix domain socket: the usual .NET choice for typed IPC.</summary>
public sealed class JsonRpcSystem : ProcessPairSystem
{
    /// <inheritdoc/>
    public override string Id => "jsonrpc";

    /// <inheritdoc/>
    public override string DisplayName => SystemNames.JsonRpc;

    /// <inheritdoc/>
    protected override Task<Func<CancellationToken, Task<IPairSender>>> ListenAsync(string socketPath, CancellationToken cancellationToken)
        => Task.FromResult(UnixSockets.ListenOnce(socketPath, static socket => new JsonRpcSender(RpcConnection.Start(socket, target: null))));

    /// <inheritdoc/>
    public override async Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken)
    {
        var socket = await UnixSockets.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        var sink = new RpcSink();
        return new JsonRpcReceiver(RpcConnection.Start(socket, sink), sink);
    }
}
