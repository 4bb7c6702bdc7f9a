using System.Diagnostics;
using Channels.Calls;

namespace Channels;

/// <summary>
/// One call received by a <see cref="ChannelCallServer{TRequest, TResponse}"/>: its request, a token that fires when the
/// caller cancels it, and the means to answer it once (<see cref="ReplyAsync"/> or <see cref="FailAsync"/>).
/// </summary>
/// <typeparam name="TRequest">The request type.</typeparam>
/// <typeparam name="TResponse">The response type.</typeparam>
[DebuggerDisplay("IncomingCall {Id}: {Request}")]
public sealed class IncomingCall<TRequest, TResponse>
{
    private readonly ChannelCallServer<TRequest, TResponse> _server;
    private readonly CancellationTokenSource _cancellation = new();

    internal IncomingCall(ChannelCallServer<TRequest, TResponse> server, ulong id, TRequest request)
    {
        _server = server;
        Id = id;
        Request = request;
        CancellationToken = _cancellation.Token;
    }

    /// <summary>The call's id, unique among the calls of its lane in flight.</summary>
    public ulong Id { get; }

    /// <summary>The caller's request.</summary>
    public TRequest Request { get; }

    /// <summary>Fires when the caller cancels the call or the link ends.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Sends <paramref name="response"/> to the caller (waits while the response lane's window is full).</summary>
    /// <exception cref="InvalidOperationException">The call was answered already.</exception>
    /// <exception cref="PeerLostException">The caller's process is gone.</exception>
    public ValueTask ReplyAsync(TResponse response)
        => _server.SendAsync(this, new CallResponse<TResponse>(CallResponseKind.Result, Id, response, null));

    /// <summary>Fails the call: the caller's <c>CallAsync</c> throws a <see cref="RemoteException"/> with <paramref name="error"/>'s type, message and stack trace.</summary>
    /// <exception cref="InvalidOperationException">The call was answered already.</exception>
    /// <exception cref="PeerLostException">The caller's process is gone.</exception>
    public ValueTask FailAsync(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        RemoteException remote = error as RemoteException
            ?? new RemoteException(error.GetType().FullName ?? error.GetType().Name, error.Message, error.StackTrace);
        return _server.SendAsync(this, new CallResponse<TResponse>(CallResponseKind.Fault, Id, default!, remote));
    }

    // The source is never disposed: it holds no timer, and a handler may still look at the token after answering.
    internal void CancelFromCaller() => _cancellation.Cancel();
}
