using System.Buffers;
using Channels.Queues;

namespace Channels.Nats.Queues;

/// <summary>
/// A <see cref="JetStreamQueue"/> as the runtime's <see cref="IQueueEngine"/>, so that <see cref="QueueLane{T}"/>
/// gives it Python's blocking, timeout and async semantics as it does the shared-memory engine. Each operation is a
/// server round trip; waits poll (a get that finds nothing, a put into a full queue, a join), a few milliseconds
/// apart, because the server has no futex word to sleep on. The count and the room for a put are read at most once
/// every few milliseconds and shared by every caller (<see cref="SharedReading{T}"/>), as the runtime asks them
/// often while it spins or polls. The asynchronous operations await the server and poll it asynchronously
/// (<see cref="IRemoteQueueEngine"/>): they never block a thread.
/// </summary>
internal sealed class JetStreamEngine : IRemoteQueueEngine
{
    private const int PollPeriodMs = 5;
    private const int CountCacheMs = 5;
    // NATS's default max_payload is 1 MiB; the headers (message id) take a little of it.
    private const int MaxPayload = 1024 * 1024 - 1024;

    private readonly JetStreamQueue _queue;
    private readonly SharedReading<int> _count;
    private readonly SharedReading<bool> _room;
    private volatile bool _disposed;

    public JetStreamEngine(JetStreamQueue queue)
    {
        _queue = queue;
        _count = new SharedReading<int>(ReadCountAsync, 0, CountCacheMs);
        _room = new SharedReading<bool>(ReadRoomAsync, false, CountCacheMs);
    }

    public string Name => _queue.Name;

    public int Capacity => _queue.Capacity;

    public int MaxItemBytes => MaxPayload;

    public int Count => CountAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public int PollMs => PollPeriodMs;

    public ValueTask<int> CountAsync(CancellationToken cancellationToken) => _count.ReadAsync(cancellationToken);

    private async ValueTask<int> ReadCountAsync(int last)
    {
        if (!_queue.IsConnected)
            return last;
        try
        {
            return await _queue.CountAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (JetStreamQueue.IsServerAway(ex))
        {
            // Server away: the last known count stands.
            return last;
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
        _count.Invalidate();
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
        _count.Invalidate();
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

    public bool Holds(QueueCondition condition, int itemBytes) => HoldsAsync(condition, itemBytes, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public async ValueTask<bool> HoldsAsync(QueueCondition condition, int itemBytes, CancellationToken cancellationToken) => condition switch
    {
        QueueCondition.NotEmpty => await CountAsync(cancellationToken).ConfigureAwait(false) > 0,
        QueueCondition.NotFull => await _room.ReadAsync(cancellationToken).ConfigureAwait(false) && _queue.IsConnected,
        _ => _queue.IsConnected && await _queue.IsJoinedAsync(cancellationToken).ConfigureAwait(false),
    };

    /// <summary>Room for a put (false while the server is away).</summary>
    private async ValueTask<bool> ReadRoomAsync(bool last) => _queue.IsConnected && await _queue.HasRoomAsync().ConfigureAwait(false);

    public bool Sleep(QueueCondition condition, int token, int timeoutMs)
    {
        Thread.Sleep(timeoutMs < 0 ? PollPeriodMs : Math.Min(timeoutMs, PollPeriodMs));
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
