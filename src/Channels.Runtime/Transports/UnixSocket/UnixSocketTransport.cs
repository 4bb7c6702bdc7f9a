using System.Diagnostics;
using System.Net.Sockets;

namespace Channels.Transports.UnixSocket;

/// <summary>
/// A link over a connected, authenticated Unix domain stream socket. Sends are one system call for everything the
/// link coalesced (non-blocking for <see cref="TrySend"/>). Receiving reads large chunks and hands every complete
/// frame to the link, in one of two modes that take turns, never both at once: while the link is quiet, the
/// runtime's socket engine waits for bytes (no thread of its own); once bytes arrive in quick succession, a receive
/// thread of this link waits in <c>poll</c> and receives itself, until the link has been quiet for a while again.
/// </summary>
/// <remarks>
/// Why a thread of its own: the socket engine's epoll thread hands every readiness to the thread pool, so a message
/// that a parked reader waits for crosses two threads before the reader's own; a thread blocked in <c>poll</c> is
/// woken by the kernel directly, which is what a request/response exchange waits for. Quiet links give their thread
/// up, so thousands of idle links cost no threads. <see cref="Close"/> shuts the socket down first, which wakes the
/// thread from <c>poll</c>.
/// </remarks>
[DebuggerDisplay("Unix socket transport, closed {_closed != 0}")]
internal sealed class UnixSocketTransport : ILinkTransport
{
    /// <summary>Two receives closer together than this (20 ms) make the link busy: receiving moves to a thread.</summary>
    private static readonly long BusyTicks = Stopwatch.Frequency / 50;

    /// <summary>A receive thread that waited this long (0.5 s) for bytes hands receiving back to the socket engine.</summary>
    private const int QuietMicroseconds = 500_000;

    /// <summary>Receives of this many bytes or more run the wake-up they caused on the thread pool, not inline.</summary>
    private const int InlineReceiveLimit = 16 * 1024;

    private readonly Socket _socket;
    private IFrameReceiver? _receiver;
    private FrameAssembler? _frames;
    private int _closed;
    private int _ended;
    private long _continuationStarted;
    private volatile bool _threaded;

    /// <summary>Takes ownership of <paramref name="socket"/>, whose handshake is done.</summary>
    public UnixSocketTransport(Socket socket)
    {
        _socket = socket;
        // Synchronous sends and receives then never block (TrySend, the receive thread, which waits in poll);
        // asynchronous operations are unaffected.
        _socket.Blocking = false;
    }

    public string Description => "Unix socket";

    /// <summary>Whether the link receives on a thread of its own now (busy) rather than in the socket engine (quiet).</summary>
    internal bool ReceivesOnOwnThread => _threaded;

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

    public async ValueTask SendAsync(ReadOnlyMemory<byte> frames)
    {
        while (frames.Length > 0)
        {
            int sent = await _socket.SendAsync(frames, SocketFlags.None).ConfigureAwait(false);
            frames = frames.Slice(sent);
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
        _socket.Dispose();
    }

    // The quiet mode: the socket engine waits for bytes; a second receive soon after the first moves receiving to a thread.
    private async Task ReceiveQuietAsync()
    {
        FrameAssembler frames = _frames!;
        long previous = long.MinValue / 2;
        try
        {
            while (true)
            {
                int received = await _socket.ReceiveAsync(frames.GetReceiveMemory(), SocketFlags.None).ConfigureAwait(false);
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
                if (!pending && !_socket.Poll(QuietMicroseconds, SelectMode.SelectRead))
                {
                    ReceiveWatchdog.Unwatch(this);
                    _threaded = false;
                    _ = ReceiveQuietAsync();
                    return;
                }
                Memory<byte> room = frames.GetReceiveMemory();
                int received = _socket.Receive(room.Span, SocketFlags.None, out SocketError error);
                if (error == SocketError.WouldBlock)
                {
                    pending = false;
                    continue;
                }
                if (error != SocketError.Success)
                    throw new SocketException((int)error);
                if (received == 0)
                {
                    end = frames.EndOfStreamError(Description);
                    break;
                }
                wakeUps.BeginCollecting();
                try
                {
                    frames.Commit(received);
                }
                catch
                {
                    // The wake-up of a frame delivered before the bad one must still happen.
                    if (wakeUps.EndCollecting() is { } delivered)
                        ThreadPool.UnsafeQueueUserWorkItem(delivered, preferLocal: false);
                    throw;
                }
                IThreadPoolWorkItem? wakeUp = wakeUps.EndCollecting();
                pending = received == room.Length;
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
        _frames!.Dispose();
        _receiver!.OnEnd(error);
    }
}
