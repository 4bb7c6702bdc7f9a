using System.Diagnostics;
using System.Net.Sockets;

namespace Channels.Transports.UnixSocket;

/// <summary>
/// A link over a connected, authenticated Unix domain stream socket. Sends are one system call for everything the
/// link coalesced (non-blocking for <see cref="TrySend"/>). Receiving reads large chunks and hands every complete
/// frame to the link, in one of two modes that take turns, never both at once: while the link is quiet, the
/// process's <see cref="ReadinessWatcher"/> waits for bytes (no thread of this link); once bytes arrive in quick
/// succession, a receive thread of this link waits in <c>poll</c> and receives itself, until the link has been quiet
/// for a while again.
/// </summary>
/// <remarks>
/// <para>Why a thread of its own: a watcher hands every readiness to the thread pool, so a message that a parked
/// reader waits for crosses two threads before the reader's own; a thread blocked in <c>poll</c> is woken by the kernel
/// directly, which is what a request/response exchange waits for. Quiet links give their thread up, so thousands of
/// idle links cost no threads. <see cref="Close"/> shuts the socket down first, which wakes the thread from
/// <c>poll</c>.</para>
/// <para>The socket never goes through the runtime's socket engine (no <c>ReceiveAsync</c>/<c>SendAsync</c>): the
/// engine would watch it for good and wake its epoll thread and a thread-pool thread for every chunk that arrives,
/// busy or not (see <see cref="ReadinessWatcher"/>). The links make their socket a private pair after the handshake
/// (<see cref="PrivateSocketPair"/>) for the same reason: the handshake's socket has been through the engine.</para>
/// <para>While busy, a reader that runs out of messages receives on its own thread for a while before it parks
/// (<see cref="IInlineReceiver"/>): a stream is then received, decoded and read by one thread, as a hand-written
/// blocking loop would, instead of a receive thread that the kernel wakes per chunk and that wakes the reader in turn.
/// The receive thread steps aside meanwhile: it waits on an event instead of in <c>poll</c>, so arriving bytes do not
/// wake it too, and takes over again as soon as a reader parks, or <see cref="HandOffTicks"/> after the last reader
/// that found what it polled for. Polling is adaptive: after sessions that found nothing (a peer that answers slower
/// than the poll time) the next waits park at once, so a request/response exchange does not burn a core waiting.</para>
/// </remarks>
[DebuggerDisplay("Unix socket transport, closed {_closed != 0}, threaded {_threaded}, pollers {_pollers}")]
internal sealed class UnixSocketTransport : ILinkTransport, IInlineReceiver
{
    /// <summary>Two receives closer together than this (20 ms) make the link busy: receiving moves to a thread.</summary>
    private static readonly long BusyTicks = Stopwatch.Frequency / 50;

    /// <summary>A receive thread that waited this long (0.5 s) for bytes hands receiving back to the watcher.</summary>
    private const int QuietMicroseconds = 500_000;

    /// <summary>Receives of this many bytes or more run the wake-up they caused on the thread pool, not inline.</summary>
    private const int InlineReceiveLimit = 16 * 1024;

    /// <summary>How long a reader polls the socket before it parks (50 µs: a few chunks of a stream, or a round trip).</summary>
    private static readonly long PollDuration = Stopwatch.Frequency / 20_000;

    /// <summary>
    /// How long the receive thread leaves receiving to readers after the last one found what it polled for (1 ms):
    /// a reader that streams comes back long before, and a message for a reader that does not waits no longer.
    /// </summary>
    private static readonly long HandOffTicks = Stopwatch.Frequency * HandOffMilliseconds / 1_000;

    private const int HandOffMilliseconds = 1;

    /// <summary>At most this many waits in a row skip polling after sessions that found nothing.</summary>
    private const int MaxPollBackoff = 64;

    private readonly Socket _socket;
    private readonly SocketReadiness _readiness;
    private readonly ManualResetEventSlim _resume = new(false, spinCount: 0);
    private IFrameReceiver? _receiver;
    private FrameAssembler? _frames;
    private int _closed;
    private int _ended;
    private long _continuationStarted;
    private volatile bool _threaded;
    // 1 while one thread receives and delivers: the receive thread or a polling reader (the frames are not shared).
    private int _consuming;
    private int _pollers;
    private long _lastFound;
    private int _pollBackoff;
    private int _pollsToSkip;
    // 1 while the receive thread waits for the pollers (on _resume) instead of for bytes.
    private int _threadWaits;
    // What a poller met (a bad frame, a socket error); the receive thread ends the link with it.
    private volatile Exception? _pollError;

    /// <summary>Takes ownership of <paramref name="socket"/>, whose handshake is done.</summary>
    /// <param name="socket">The link's socket.</param>
    /// <param name="peerProcessId">The process at the other end, as the kernel named it on the handshake's socket (null if unknown).</param>
    public UnixSocketTransport(Socket socket, int? peerProcessId = null)
    {
        _socket = socket;
        // Sends and receives never block: the receive thread waits in poll, and waits without a thread go through
        // the readiness watcher (see remarks), never through the runtime's socket engine.
        _socket.Blocking = false;
        _readiness = new SocketReadiness(socket.SafeHandle);
        PeerProcessId = peerProcessId;
    }

    public string Description => "Unix socket";

    /// <summary>The process at the other end, as the kernel named it on the handshake's socket (null if unknown).</summary>
    public int? PeerProcessId { get; }

    /// <summary>Whether the link receives on a thread of its own now (busy) rather than through the watcher (quiet).</summary>
    internal bool ReceivesOnOwnThread => _threaded;

    /// <summary>The socket's handle (for tests that look it up in the system's tables).</summary>
    internal SafeSocketHandle SafeHandle => _socket.SafeHandle;

    public long PollTicks => PollDuration;

    public bool BusySpin => false;

    public bool PollIsSystemCall => true;

    public void Start(IFrameReceiver receiver, int maxFrameSize, int laneCount)
    {
        _receiver = receiver;
        _frames = new FrameAssembler(receiver, maxFrameSize, laneCount);
        _ = ReceiveQuietAsync();
    }

    public int TrySend(ReadOnlySpan<byte> frames)
    {
        if (Volatile.Read(ref _closed) != 0)
            return 0;
        int sent;
        SocketError error;
        try
        {
            sent = _socket.Send(frames, SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        if (error is SocketError.Success)
            return sent;
        if (error is SocketError.WouldBlock)
            return 0;
        throw new SocketException((int)error);
    }

    // Pooled: a stream of large messages fills the socket and comes here every few messages.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlyMemory<byte> frames)
    {
        while (frames.Length > 0)
        {
            int sent = TrySend(frames.Span);
            if (sent > 0)
            {
                frames = frames.Slice(sent);
                continue;
            }
            if (Volatile.Read(ref _closed) != 0)
                throw new ObjectDisposedException(Description, "The link's socket was closed while frames were still being sent.");
            await _readiness.WhenWritableAsync().ConfigureAwait(false);
        }
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        try
        {
            // Also wakes the receive thread from poll: it then receives the end of the stream.
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the other side.
        }
        _readiness.Dispose();
        _socket.Dispose();
        _resume.Set();
    }

    public bool BeginPolling()
    {
        // Only a busy link: a quiet one is received by whoever the watcher wakes, which must not be raced.
        if (!_threaded || _pollError is not null || Volatile.Read(ref _closed) != 0)
            return false;
        int skip = _pollsToSkip;
        if (skip > 0)
        {
            // Recent sessions came away empty: this wait parks at once (see EndPolling), and receiving goes back to
            // the receive thread now, not when the hand-off after the last successful poll runs out.
            _pollsToSkip = skip - 1;
            if (Volatile.Read(ref _lastFound) != 0 && Volatile.Read(ref _pollers) == 0)
            {
                Volatile.Write(ref _lastFound, 0);
                ResumeReceiveThread();
            }
            return false;
        }
        Interlocked.Increment(ref _pollers);
        return true;
    }

    public bool Poll()
    {
        if (Interlocked.CompareExchange(ref _consuming, 1, 0) != 0)
            return false;
        try
        {
            if (!_threaded || _pollError is not null || Volatile.Read(ref _closed) != 0)
                return false;
            FrameAssembler frames = _frames!;
            Memory<byte> room = frames.GetReceiveMemory();
            int received = _socket.Receive(room.Span, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
                return false;
            if (error != SocketError.Success)
            {
                FailPoll(new SocketException((int)error));
                return false;
            }
            if (received == 0)
            {
                // The end of the stream stays readable: the receive thread reports it.
                ResumeReceiveThread();
                return false;
            }
            frames.Commit(received);
            return true;
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile; the receive thread ends the link.
            return false;
        }
        catch (Exception ex)
        {
            FailPoll(ex);
            return false;
        }
        finally
        {
            Volatile.Write(ref _consuming, 0);
        }
    }

    public void EndPolling(bool parking)
    {
        // Adaptive, like a spinning lock's spin: a session that found nothing cost a core for the poll time and bought
        // nothing (the other side answers slower than that, or a loaded machine delays it), so the next waits skip
        // polling, twice as many after each empty session; one that found what it polled for starts afresh. Readers
        // of one link share the count; a lost update only shifts when polling resumes.
        if (parking)
        {
            int backoff = Math.Min(Math.Max(1, _pollBackoff * 2), MaxPollBackoff);
            _pollBackoff = backoff;
            _pollsToSkip = backoff;
        }
        else
        {
            _pollBackoff = 0;
        }
        // Before the decrement (a full fence), so that a receive thread that sees no pollers sees this too.
        Volatile.Write(ref _lastFound, parking ? 0 : Stopwatch.GetTimestamp());
        if (Interlocked.Decrement(ref _pollers) == 0 && parking)
            ResumeReceiveThread();
    }

    private void ResumeReceiveThread()
    {
        if (Interlocked.Exchange(ref _threadWaits, 0) == 1)
            _resume.Set();
    }

    // A poller cannot end the link from a reader's thread: it records why, shuts the socket down (the receive thread
    // then receives the end) and wakes the receive thread, which ends the link with this error.
    private void FailPoll(Exception error)
    {
        _pollError = error;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Closed already: the receive thread receives the end all the same.
        }
        ResumeReceiveThread();
    }

    // Whether readers receive now, or did until just now and are likely to come back (see HandOffTicks).
    private bool ReadersReceive()
        => _pollError is null && Volatile.Read(ref _closed) == 0
           && (Volatile.Read(ref _pollers) > 0 || Stopwatch.GetTimestamp() - Volatile.Read(ref _lastFound) < HandOffTicks);

    // The receive thread steps aside while readers receive: it waits on _resume, which a reader that parks sets, and
    // looks again every HandOffMilliseconds.
    private void WaitWhileReadersReceive()
    {
        while (true)
        {
            _resume.Reset();
            // Announce the wait before looking (a full fence): a poller that leaves after the look sees it and sets _resume.
            Interlocked.Exchange(ref _threadWaits, 1);
            if (!ReadersReceive())
                break;
            _resume.Wait(HandOffMilliseconds);
        }
        Volatile.Write(ref _threadWaits, 0);
    }

    private void AcquireConsuming()
    {
        if (Interlocked.CompareExchange(ref _consuming, 1, 0) == 0)
            return;
        // A poller holds it for one receive.
        SpinWait spin = default;
        do
            spin.SpinOnce();
        while (Interlocked.CompareExchange(ref _consuming, 1, 0) != 0);
    }

    // The quiet mode: the readiness watcher waits for bytes, and a thread-pool thread receives them; a second receive
    // soon after the first moves receiving to a thread of its own.
    private async Task ReceiveQuietAsync()
    {
        FrameAssembler frames = _frames!;
        long previous = long.MinValue / 2;
        try
        {
            while (true)
            {
                await _readiness.WhenReadableAsync().ConfigureAwait(false);
                if (Volatile.Read(ref _closed) != 0)
                {
                    // Closed here: as the end of the stream, which the shutdown would have delivered.
                    End(frames.EndOfStreamError(Description));
                    return;
                }
                int received = _socket.Receive(frames.GetReceiveMemory().Span, SocketFlags.None, out SocketError error);
                if (error == SocketError.WouldBlock)
                    continue;
                if (error != SocketError.Success)
                    throw new SocketException((int)error);
                if (received == 0)
                {
                    End(frames.EndOfStreamError(Description));
                    return;
                }
                frames.Commit(received);
                long now = Stopwatch.GetTimestamp();
                if (now - previous < BusyTicks)
                {
                    ReceiveWatchdog.Watch(this);
                    _threaded = true;
                    StartReceiveThread();
                    return;
                }
                previous = now;
            }
        }
        catch (ObjectDisposedException) when (Volatile.Read(ref _closed) != 0)
        {
            End(frames.EndOfStreamError(Description));
        }
        catch (Exception ex)
        {
            End(ex);
        }
    }

    private void StartReceiveThread()
    {
        var thread = new Thread(static state => ((UnixSocketTransport)state!).ReceiveBusy())
        {
            IsBackground = true,
            Name = "Channels socket receive",
        };
        thread.UnsafeStart(this);
    }

    /// <summary>
    /// Called by <see cref="ReceiveWatchdog"/>: when the receive thread has been running one continuation since
    /// before <paramref name="now"/> minus the stall time, a new thread takes over receiving (the old one, once the
    /// continuation returns, finds it was replaced and ends without touching anything).
    /// </summary>
    internal void ReplaceIfStalled(long now)
    {
        long started = Volatile.Read(ref _continuationStarted);
        if (started != 0 && now - started > ReceiveWatchdog.StallTicks
            && Interlocked.CompareExchange(ref _continuationStarted, 0, started) == started)
        {
            try
            {
                StartReceiveThread();
            }
            catch (Exception ex)
            {
                // No thread to receive on (the process is out of threads): the link ends rather than go deaf.
                End(ex);
            }
        }
    }

    // The busy mode, on a receive thread: poll, then one non-blocking receive (a full buffer is read again at once);
    // after delivering it, run the wake-up it caused, if any (InlineWakeUps).
    private void ReceiveBusy()
    {
        FrameAssembler frames = _frames!;
        var wakeUps = new InlineWakeUps();
        Exception? end;
        try
        {
            bool pending = true;
            while (true)
            {
                if (_pollError is { } pollError)
                {
                    // Nothing after the poller's failure is delivered, even bytes still in the socket.
                    end = pollError;
                    break;
                }
                if (!pending)
                {
                    if (ReadersReceive())
                    {
                        WaitWhileReadersReceive();
                        // They may have left bytes behind: look before waiting in poll.
                        pending = true;
                        continue;
                    }
                    if (!_socket.Poll(QuietMicroseconds, SelectMode.SelectRead))
                    {
                        if (TryGoQuiet())
                            return;
                        continue;
                    }
                }
                int received;
                int room;
                SocketError error;
                AcquireConsuming();
                if (_pollError is not null)
                {
                    Volatile.Write(ref _consuming, 0);
                    continue;
                }
                wakeUps.BeginCollecting();
                try
                {
                    Memory<byte> memory = frames.GetReceiveMemory();
                    room = memory.Length;
                    received = _socket.Receive(memory.Span, SocketFlags.None, out error);
                    if (error == SocketError.Success && received > 0)
                        frames.Commit(received);
                }
                catch
                {
                    // The wake-up of a frame delivered before the bad one must still happen.
                    if (wakeUps.EndCollecting() is { } delivered)
                        ThreadPool.UnsafeQueueUserWorkItem(delivered, preferLocal: false);
                    throw;
                }
                finally
                {
                    Volatile.Write(ref _consuming, 0);
                }
                IThreadPoolWorkItem? wakeUp = wakeUps.EndCollecting();
                if (error == SocketError.WouldBlock)
                {
                    pending = false;
                    continue;
                }
                if (error != SocketError.Success)
                    throw new SocketException((int)error);
                if (received == 0)
                {
                    end = _pollError ?? frames.EndOfStreamError(Description);
                    break;
                }
                pending = received == room;
                if (wakeUp is not null)
                {
                    // A large receive means a stream: the reader then works on the thread pool while this thread
                    // receives on, which keeps the socket drained and its writer unblocked.
                    if (pending || received >= InlineReceiveLimit)
                        ThreadPool.UnsafeQueueUserWorkItem(wakeUp, preferLocal: false);
                    else if (!RunContinuation(wakeUp))
                        return;
                }
            }
        }
        catch (Exception ex)
        {
            end = ex;
        }
        End(end);
    }

    // The link has been quiet for a while: receiving goes back to the watcher, unless a reader polls now.
    private bool TryGoQuiet()
    {
        AcquireConsuming();
        try
        {
            if (ReadersReceive())
                return false;
            ReceiveWatchdog.Unwatch(this);
            _threaded = false;
        }
        finally
        {
            Volatile.Write(ref _consuming, 0);
        }
        _ = ReceiveQuietAsync();
        return true;
    }

    // Runs a wake-up on this receive thread; false when the watchdog gave the link another receive thread meanwhile.
    private bool RunContinuation(IThreadPoolWorkItem wakeUp)
    {
        long started = Stopwatch.GetTimestamp();
        Volatile.Write(ref _continuationStarted, started);
        wakeUp.Execute();
        return Interlocked.CompareExchange(ref _continuationStarted, 0, started) == started;
    }

    private void End(Exception? error)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        ReceiveWatchdog.Unwatch(this);
        _threaded = false;
        // Taken for good: no poller touches the frames from here on.
        AcquireConsuming();
        _frames!.Dispose();
        _receiver!.OnEnd(error);
    }
}
