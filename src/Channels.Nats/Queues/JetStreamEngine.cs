using System.Buffers;
using Channels.Queues;

namespace Channels.Nats.Queues;

/// <summary>
/// A <see cref="JetStreamQueue"/> as the runtime's <see cref="IQueueEngine"/>, so that <see cref="QueueLane{T}"/>
/// gives it Python's blocking, timeout and async semantics as it does the shared-memory engine. Each operation is a
/// server round trip; waits poll (a get that finds nothing, a put into a full queue, a join), a few milliseconds
/// apart, because the server has no futex word to sleep on. <see cref="Count"/> is cached for a few milliseconds,
/// as the runtime asks it often while it spins. The asynchronous put and get await the server in their first attempt
/// (<see cref="IRemoteQueueEngine"/>) instead of blocking a thread for the round trip.
/// </summary>
internal sealed class JetStreamEngine : IRemoteQueueEngine
{
    private const int PollMs = 5;
    private const int CountCacheMs = 5;
    // NATS's default max_payload is 1 MiB; the headers (message id) take a little of it.
    private const int MaxPayload = 1024 * 1024 - 1024;

    private readonly JetStreamQueue _queue;
    private int _count;
    private long _countAt;
    private bool _room;
    private long _roomAt;
    private volatile bool _disposed;

    public JetStreamEngine(JetStreamQueue queue) => _queue = queue;

    public string Name => _queue.Name;

    public int Capacity => _queue.Capacity;

    public int MaxItemBytes => MaxPayload;

    public int Count
    {
        get
        {
            long now = Environment.TickCount64;
            long at = Volatile.Read(ref _countAt);
            if ((at == 0 || now - at >= CountCacheMs) && _queue.IsConnected)
            {
                try
                {
                    Volatile.Write(ref _count, _queue.CountAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult());
                    Volatile.Write(ref _countAt, now);
                }
                catch (Exception ex) when (JetStreamQueue.IsServerAway(ex))
                {
                    // Server away: the last known count stands.
                }
            }
            return Volatile.Read(ref _count);
        }
    }

    public bool IsClosed => _queue.IsClosed;

    public bool TryPut(ReadOnlySpan<byte> item) => TryPutAsync(item.ToArray()).AsTask().GetAwaiter().GetResult();

    public async ValueTask<bool> TryPutAsync(byte[] item)
    {
        ThrowIfFailed();
        if (item.Length > MaxPayload)
            throw new ArgumentException($"Queue '{Name}': an item of {item.Length} bytes is over the {MaxPayload} bytes a NATS message carries.", nameof(item));
        if (!_queue.IsConnected)
            return false;
        bool put = await _queue.TryPutAsync(item).ConfigureAwait(false);
        // This process's own put must show in its next Count.
        Volatile.Write(ref _countAt, 0);
        return put;
    }

    public bool TryGet(ref byte[] buffer, out int length)
    {
        var target = new GetTarget(buffer);
        bool got = TryGetAsync(static (state, payload) => state.Take(payload), target, 0, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        buffer = target.Buffer;
        length = got ? target.Length : 0;
        return got;
    }

    public async ValueTask<bool> TryGetAsync<TState>(Func<TState, ReadOnlySequence<byte>, bool> take, TState state, int timeoutMs, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        if (!_queue.IsConnected)
            return false;
        TimeSpan timeout = timeoutMs == Timeout.Infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(timeoutMs);
        bool got = await _queue.GetAsync(timeout, take, state, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _countAt, 0);
        return got;
    }

    public void TaskDone()
    {
        ThrowIfFailed();
        _queue.TaskDoneAsync().AsTask().GetAwaiter().GetResult();
    }

    public bool Close()
    {
        ThrowIfFailed();
        if (_queue.IsClosed)
            return false;
        _queue.CloseAsync().AsTask().GetAwaiter().GetResult();
        return true;
    }

    public int PrepareWait(QueueCondition condition) => 0;

    public bool Holds(QueueCondition condition, int itemBytes) => condition switch
    {
        QueueCondition.NotEmpty => Count > 0,
        QueueCondition.NotFull => HasRoom(),
        _ => _queue.IsConnected && _queue.IsJoinedAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult(),
    };

    /// <summary>Room for a put, asked of the server at most every few milliseconds (the runtime asks while it spins).</summary>
    private bool HasRoom()
    {
        long now = Environment.TickCount64;
        long at = Volatile.Read(ref _roomAt);
        if ((at == 0 || now - at >= CountCacheMs) && _queue.IsConnected)
        {
            Volatile.Write(ref _room, _queue.HasRoomAsync().AsTask().GetAwaiter().GetResult());
            Volatile.Write(ref _roomAt, now);
        }
        return Volatile.Read(ref _room) && _queue.IsConnected;
    }

    public bool Sleep(QueueCondition condition, int token, int timeoutMs)
    {
        Thread.Sleep(timeoutMs < 0 ? PollMs : Math.Min(timeoutMs, PollMs));
        return true;
    }

    public void EndWait(QueueCondition condition)
    {
    }

    public void Wake(QueueCondition condition)
    {
    }

    public void ThrowIfFailed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose() => _disposed = true;

    /// <summary>Where a get copies its item: the caller's buffer, grown from the pool when too small.</summary>
    private sealed class GetTarget(byte[] buffer)
    {
        public byte[] Buffer = buffer;
        public int Length;

        public bool Take(ReadOnlySequence<byte> payload)
        {
            if (payload.Length > Buffer.Length)
            {
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = ArrayPool<byte>.Shared.Rent((int)payload.Length);
            }
            payload.CopyTo(Buffer);
            Length = (int)payload.Length;
            return true;
        }
    }
}
