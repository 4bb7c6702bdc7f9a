namespace Channels;

/// <summary>
/// Marks a partial interface as a channel contract. The Channels source generator emits, for a link contract
/// (lanes of <see cref="System.Threading.Channels.ChannelWriter{T}"/> and <see cref="System.Threading.Channels.ChannelReader{T}"/>),
/// the opener's implementation, the nested <c>Peer</c> interface and its implementation, <c>CreatePipe</c>,
/// <c>Listen</c> and <c>Peer.ConnectAsync</c>; for a queue contract (lanes of <see cref="ProcessQueue{T}"/>),
/// <c>Create</c> and <c>Open</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, AllowMultiple = false, Inherited = false)]
public sealed class ChannelContractAttribute : Attribute
{
}
