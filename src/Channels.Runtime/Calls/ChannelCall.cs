using System.Diagnostics;
using System.Threading.Channels;
using Channels.Calls;
using Channels.Lanes;

namespace Channels;

/// <summary>
/// The caller's side of a call lane (<c>ChannelCall&lt;TRequest, TResponse&gt; Price { get; }</c> in a link contract):
/// the opener calls, the peer serves (its <c>Peer</c> view has a <see cref="ChannelCallServer{TRequest, TResponse}"/>).
/// Many calls may be in flight at once and are answered in any order; each call is matched to its answer by an id.
/// </summary>
/// <remarks>
/// A call lane is two lanes of the link: requests (with cancellations) from the opener, responses (or failures)
/// from the peer. Requests have the backpressure of any lane: <see cref="CallAsync"/> waits while the callee's
/// window is full. If the link is lost, every pending call ends with <see cref="PeerLostException"/>.
/// </remarks>
/// <typeparam name="TRequest">The request type.</typeparam>
/// <typeparam name="TResponse">The response type.</typeparam>
[DebuggerDisplay("ChannelCall {_name}, {PendingCount} pending")]
public sealed class ChannelCall<TRequest, TResponse> : ICallCanceller
{
    private readonly string _name;
    private readonly ChannelWriter<CallRequest<TRequest>> _requests;
    private readonly ChannelReader<CallResponse<TResponse>> _responses;
    private readonly Dictionary<ulong, PendingCall<TResponse>> _pending = [];
    private readonly Action _onResponses;
    private ValueTask<bool> _responsesWait;
    private ulong _lastId;
    private int _receiving;
    private Exception? _ended;

    internal ChannelCall(string name, ChannelWriter<CallRequest<TRequest>> requests, ChannelReader<CallResponse<TResponse>> responses)
    {
        _name = name;
        _requests = requests;
        _responses = responses;
        _onResponses = OnResponses;
    }

    /// <summary>The number of calls sent and not yet answered.</summary>
    public int PendingCount
    {
        get
        {
            lock (_pending)
                return _pending.Count;
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> to the peer and waits for its answer (Python's <c>apply_async(...).get()</c>;
    /// a gRPC unary call).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the call: the callee's token for it fires and this method throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The callee's response.</returns>
    /// <exception cref="RemoteException">The callee failed the call (its exception's type, message and stack trace).</exception>
    /// <exception cref="PeerLostException">The peer process went away before it answered.</exception>
    /// <exception cref="ChannelClosedException">This end of the link was disposed, or the caller completed the lane.</exception>
    public async Task<TResponse> CallAsync(TRequest request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnsureReceiving();
        PendingCall<TResponse> pending;
        lock (_pending)
        {
            if (_ended is not null)
                throw Ended(_ended);
            pending = new PendingCall<TResponse>(this, ++_lastId);
            _pending.Add(pending.Id, pending);
        }
        try
        {
            await _requests.WriteAsync(new CallRequest<TRequest>(CallRequestKind.Call, pending.Id, request), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Forget(pending.Id);
            throw;
        }
        // Over shared memory (and a busy Unix socket, while polling pays there) the answer usually comes within
        // microseconds: a caller with no other call in flight waits for it on this thread first. (One with many in
        // flight, a pool's dispatcher, has more to send.) The count is read without the lock: a stale value only
        // decides whether to poll.
        if (_responses is LaneReader<CallResponse<TResponse>> lane && _pending.Count == 1)
            lane.PollUntilCompleted(pending.Task, cancellationToken);
        if (!cancellationToken.CanBeCanceled)
            return await pending.Task.ConfigureAwait(false);
        using (cancellationToken.UnsafeRegister(static (state, token) =>
        {
            var call = (PendingCall<TResponse>)state!;
            call.Owner.Cancel(call.Id, token);
        }, pending))
            return await pending.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// Tells the callee that no more calls come (its <see cref="ChannelCallServer{TRequest, TResponse}.ReadAllAsync"/>
    /// ends once the calls already sent are read). Pending calls are still answered.
    /// </summary>
    public void Complete() => _requests.TryComplete();

    void ICallCanceller.Cancel(ulong id, CancellationToken token)
    {
        PendingCall<TResponse>? pending = Forget(id);
        if (pending is null)
            return;
        pending.RecordCancel(token);
        pending.CompleteOnThreadPool();
        if (!_requests.TryWrite(new CallRequest<TRequest>(CallRequestKind.Cancel, id, default!)))
            _ = SendCancelWhenRoomAsync(id);
    }

    // The request lane is full: the cancel waits its turn. If the lane closes first, the callee's token fires anyway
    // when its link ends; a late answer is dropped.
    private async Task SendCancelWhenRoomAsync(ulong id)
    {
        try
        {
            await _requests.WriteAsync(new CallRequest<TRequest>(CallRequestKind.Cancel, id, default!)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelClosedException or ChannelsException or ObjectDisposedException)
        {
        }
    }

    private PendingCall<TResponse>? Forget(ulong id)
    {
        lock (_pending)
            return _pending.Remove(id, out PendingCall<TResponse>? pending) ? pending : null;
    }

    private void EnsureReceiving()
    {
        if (Volatile.Read(ref _receiving) == 0 && Interlocked.Exchange(ref _receiving, 1) == 0)
            ReceiveResponses();
    }

    // One loop per call lane matches answers to callers; it ends when the response lane ends and fails what is left.
    // Written out rather than async: the last answer of a batch completes its call only after the loop has parked on
    // the response lane again, on the thread that ran the loop (the link's receive thread, when a parked loop was
    // woken there), so the caller's continuation runs with no thread hop and never holds up the loop.
    private void ReceiveResponses()
    {
        PendingCall<TResponse>? last = null;
        Exception? ended = null;
        try
        {
            while (true)
            {
                while (_responses.TryRead(out CallResponse<TResponse> response))
                {
                    PendingCall<TResponse>? pending = Forget(response.Id);
                    if (pending is null)
                        continue; // cancelled meanwhile: the late answer has nobody to go to
                    pending.RecordOutcome(response.Response, response.Kind == CallResponseKind.Result ? null : response.Error);
                    last?.CompleteOnThreadPool();
                    last = pending;
                }
                // An answer in hand goes to its caller as soon as the loop has parked: a wait that first polls the
                // transport on this thread (shared memory, a busy socket) would hold it back for as long as it polls.
                ValueTask<bool> wait = last is not null && _responses is LaneReader<CallResponse<TResponse>> lane
                    ? lane.WaitToReadAsync(poll: false, CancellationToken.None)
                    : _responses.WaitToReadAsync();
                if (!wait.IsCompleted)
                {
                    _responsesWait = wait;
                    wait.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_onResponses);
                    break;
                }
                if (!wait.Result)
                {
                    ended = Stopped();
                    break;
                }
            }
        }
        catch (Exception ex)
        {
            ended = ex;
        }
        if (ended is not null)
            EndCalls(ended);
        last?.CompleteHere();
    }

    private void OnResponses()
    {
        ValueTask<bool> wait = _responsesWait;
        _responsesWait = default;
        bool more;
        try
        {
            more = wait.Result;
        }
        catch (Exception ex)
        {
            EndCalls(ex);
            return;
        }
        if (more)
            ReceiveResponses();
        else
            EndCalls(Stopped());
    }

    private ChannelClosedException Stopped() => new($"The peer stopped serving call lane '{_name}' (it completed the lane or disposed its end).");

    private void EndCalls(Exception ended)
    {
        List<PendingCall<TResponse>> orphans;
        lock (_pending)
        {
            _ended = ended;
            orphans = [.. _pending.Values];
            _pending.Clear();
        }
        foreach (PendingCall<TResponse> orphan in orphans)
        {
            orphan.RecordOutcome(default, Ended(ended));
            orphan.CompleteOnThreadPool();
        }
    }

    private Exception Ended(Exception ended) => ended switch
    {
        PeerLostException lost => new PeerLostException($"The peer of call lane '{_name}' was lost before it answered: {lost.Message}", lost.ExitCode, lost),
        ChannelClosedException { InnerException: RemoteException remote } => new ChannelClosedException($"The peer ended call lane '{_name}' with an error: {remote.Message}", remote),
        _ => new ChannelClosedException($"Call lane '{_name}' is closed: {ended.Message}", ended),
    };
}
