using System.ComponentModel;
using Channels.Contracts;

namespace Channels.Calls;

/// <summary>
/// Creates the two ends of a call lane over a link; called by generated code. A call member of a contract takes two
/// consecutive lanes of the link: requests (opener to peer) at <c>requestLane</c> and responses (peer to opener) at
/// <c>requestLane + 1</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CallLanes
{
    /// <summary>Creates the caller's side (the opener's end of the link).</summary>
    /// <exception cref="InvalidOperationException">The lanes are not a call's (wrong directions) or were created already.</exception>
    public static ChannelCall<TRequest, TResponse> CreateCaller<TRequest, TResponse>(ChannelLink link, int requestLane, ILaneCodec<TRequest> requestCodec, ILaneCodec<TResponse> responseCodec)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(requestCodec);
        ArgumentNullException.ThrowIfNull(responseCodec);
        var requests = link.CreateWriter(requestLane, new CallRequestCodec<TRequest>(requestCodec));
        var responses = link.CreateReader(requestLane + 1, new CallResponseCodec<TResponse>(responseCodec));
        return new ChannelCall<TRequest, TResponse>(NameOf(link, requestLane), requests, responses);
    }

    /// <summary>Creates the callee's side (the peer's end of the link).</summary>
    /// <exception cref="InvalidOperationException">The lanes are not a call's (wrong directions) or were created already.</exception>
    public static ChannelCallServer<TRequest, TResponse> CreateServer<TRequest, TResponse>(ChannelLink link, int requestLane, ILaneCodec<TRequest> requestCodec, ILaneCodec<TResponse> responseCodec)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(requestCodec);
        ArgumentNullException.ThrowIfNull(responseCodec);
        var requests = link.CreateReader(requestLane, new CallRequestCodec<TRequest>(requestCodec));
        var responses = link.CreateWriter(requestLane + 1, new CallResponseCodec<TResponse>(responseCodec));
        return new ChannelCallServer<TRequest, TResponse>(NameOf(link, requestLane), requests, responses);
    }

    private static string NameOf(ChannelLink link, int requestLane) => $"{link.Contract.Name}.{link.Contract.Lanes[requestLane].Name}";
}
