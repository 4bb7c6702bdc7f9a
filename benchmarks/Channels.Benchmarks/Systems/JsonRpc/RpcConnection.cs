using System.Net.Sockets;
using MessagePack;
using MessagePack.Resolvers;
using StreamJsonRpc;

namespace Channels.Benchmarks.Systems.JsonRpc;

/// <summary>
/// How both ends build their <see cref="StreamJsonRpc.JsonRpc"/>: length-prefixed messages with the MessagePack
/// formatter (binary, the fastest configuration StreamJsonRpc ships; the JSON formatters would also base64 the
/// byte payloads) over the socket's stream.
/// </summary>
public static class RpcConnection
{
    /// <summary>Creates a connection over <paramref name="socket"/>, with <paramref name="target"/> serving calls when not null; listening starts at once.</summary>
    public static StreamJsonRpc.JsonRpc Start(Socket socket, object? target)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        var formatter = new MessagePackFormatter();
        formatter.SetMessagePackSerializerOptions(MessagePackSerializerOptions.Standard.WithResolver(ContractlessStandardResolver.Instance));
        var rpc = new StreamJsonRpc.JsonRpc(new LengthHeaderMessageHandler(stream, stream, formatter));
        if (target is not null)
        {
            rpc.AddLocalRpcTarget(target);
        }

        rpc.StartListening();
        return rpc;
    }
}
