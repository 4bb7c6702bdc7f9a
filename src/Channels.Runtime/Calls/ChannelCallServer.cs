using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.Calls;

namespace Channels;

/// <summary>
/// The callee's side of a call lane: the <c>Peer</c> view of a contract member <c>ChannelCall&lt;TRequest, TResponse&gt;</c>.
/// Serve the calls either one by one as a stream (<see cref="ReadAllAsync"/>, each an <see cref="IncomingCall{TRequest, TResponse}"/>
/// to answer in any order) or with a handler (<see cref="ServeAsync(Func{TRequest, CancellationToken, ValueTask{TResponse}}, int, CancellationToken)"/>).
/// </summary>
/// <typeparam name="TRequest">The request type.</typeparam>
/// <typeparam name="TResponse">The response type.</typeparam>
[DebuggerDisplay("ChannelCallServer {_name}, {InFlightCount} in flight")]
public sealed class ChannelCallServer<TRequest, TResponse>
{
    /// <summary>The most calls <see cref="ServeAsync(Func{TRequest, CancellationToken, ValueTask{TResponse}}, int, CancellationToken)"/> runs at once unless told otherwise.</summary>
    public const int DefaultMaxConcurrency = 1024;

    private readonly string _name;
    private readonly ChannelReader<CallRequest<TRequest>> _requests;
    private readonly ChannelWriter<CallResponse<TResponse>> _responses;
    private readonly Dictionary<ulong, IncomingCall<TRequest, TResponse>> _inFlight = [];

    internal ChannelCallServer(string name, ChannelReader<CallRequest<TRequest>> requests, ChannelWriter<CallResponse<TResponse>> responses)
    {
        _name = name;
        _requests = requests;
        _responses = responses;
    }

    /// <summary>The number of calls read and not yet answered.</summary>
    public int InFlightCount
    {
        get
        {
            lock (_inFlight)
                return _inFlight.Count;
        }
    }

    /// <summary>
    /// Reads the incoming calls as they arrive. Answer each with <see cref="IncomingCall{TRequest, TResponse}.ReplyAsync"/>
    /// or <see cref="IncomingCall{TRequest, TResponse}.FailAsync"/>, in any order; its
    /// <see cref="IncomingCall{TRequest, TResponse}.CancellationToken"/> fires when the caller cancels. The stream ends when
    /// the caller completes the lane or disposes its end; it ends with <see cref="PeerLostException"/> if the caller's process is lost.
    /// </summary>
    /// <param name="cancellationToken">Stops reading (calls already read stay answerable).</param>
    public async IAsyncEnumerable<IncomingCall<TRequest, TResponse>> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            while (await _requests.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_requests.TryRead(out CallRequest<TRequest> message))
                {
                    if (message.Kind == CallRequestKind.Cancel)
                    {
                        CancelInFlight(message.Id);
                        continue;
                    }
                    var call = new IncomingCall<TRequest, TResponse>(this, message.Id, message.Request);
                    lock (_inFlight)
                    {
                        if (!_inFlight.TryAdd(message.Id, call))
                            throw new ProtocolException($"The caller reused id {message.Id} of a call still in flight on call lane '{_name}'.");
                    }
                    yield return call;
                }
            }
        }
        finally
        {
            // Whatever ended the stream, calls still running learn that nobody will take their answer soon.
            if (_requests.Completion.IsCompleted)
                CancelAllInFlight();
        }
    }

    /// <summary>
    /// Serves every call with <paramref name="handler"/>, up to <paramref name="maxConcurrency"/> at once, until the
    /// caller completes the lane (then waits for the calls running and returns). An exception thrown by the handler
    /// fails only its call: the caller gets a <see cref="RemoteException"/> with its type, message and stack trace.
    /// </summary>
    /// <param name="handler">Computes a response; its token fires when the caller cancels the call or <paramref name="cancellationToken"/> fires.</param>
    /// <param name="maxConcurrency">The most calls running at once (1: one after another, in arrival order).</param>
    /// <param name="cancellationToken">Stops serving.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxConcurrency"/> is less than 1.</exception>
    public async Task ServeAsync(Func<TRequest, CancellationToken, ValueTask<TResponse>> handler, int maxConcurrency = DefaultMaxConcurrency, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        using var slots = new SemaphoreSlim(maxConcurrency, maxConcurrency);
        var running = new List<Task>();
        await foreach (IncomingCall<TRequest, TResponse> call in ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            Task serving = ServeOneAsync(call, handler, slots, cancellationToken);
            if (!serving.IsCompleted)
            {
                running.RemoveAll(static task => task.IsCompleted);
                running.Add(serving);
            }
        }
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    /// <summary>Serves every call with a synchronous <paramref name="handler"/>, one at a time; see <see cref="ServeAsync(Func{TRequest, CancellationToken, ValueTask{TResponse}}, int, CancellationToken)"/>.</summary>
    public Task ServeAsync(Func<TRequest, TResponse> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return ServeAsync((request, _) => new ValueTask<TResponse>(handler(request)), maxConcurrency: 1, cancellationToken);
    }

    private static async Task ServeOneAsync(IncomingCall<TRequest, TResponse> call, Func<TRequest, CancellationToken, ValueTask<TResponse>> handler, SemaphoreSlim slots, CancellationToken serving)
    {
        try
        {
            using CancellationTokenRegistration link = serving.UnsafeRegister(static state => ((IncomingCall<TRequest, TResponse>)state!).CancelFromCaller(), call);
            TResponse response;
            try
            {
                response = await handler(call.Request, call.CancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await call.FailAsync(ex).ConfigureAwait(false);
                return;
            }
            await call.ReplyAsync(response).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelClosedException or PeerLostException or OperationCanceledException)
        {
            // The link ended under the call: nobody takes the answer.
        }
        finally
        {
            slots.Release();
        }
    }

    internal ValueTask SendAsync(IncomingCall<TRequest, TResponse> call, CallResponse<TResponse> response)
    {
        lock (_inFlight)
        {
            if (!_inFlight.Remove(call.Id))
                throw new InvalidOperationException($"Call {call.Id} on call lane '{_name}' was answered already.");
        }
        if (_responses.TryWrite(response))
            return ValueTask.CompletedTask;
        return _responses.WriteAsync(response);
    }

    private void CancelInFlight(ulong id)
    {
        IncomingCall<TRequest, TResponse>? call;
        lock (_inFlight)
            _inFlight.TryGetValue(id, out call);
        call?.CancelFromCaller();
    }

    private void CancelAllInFlight()
    {
        List<IncomingCall<TRequest, TResponse>> calls;
        lock (_inFlight)
            calls = [.. _inFlight.Values];
        foreach (IncomingCall<TRequest, TResponse> call in calls)
            call.CancelFromCaller();
    }
}
