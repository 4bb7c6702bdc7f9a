using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Channels.Contracts;
using Channels.Queues;

namespace Channels.Nats.Queues;

/// <summary>A <see cref="ProcessQueue{T}"/> on JetStream: the typed face of a <see cref="JetStreamQueue"/>.</summary>
internal sealed class NatsQueueLane<T> : QueueLane<T>
{
    private readonly JetStreamQueue _queue;
    private readonly ILaneCodec<T> _codec;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NatsQueueLane(JetStreamQueue queue, ILaneCodec<T> codec) : base(queue.Name, queue.Capacity)
    {
        _queue = queue;
        _codec = codec;
    }

    public override int Count => _queue.CountAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override Task Completion => _completion.Task;

    public override bool TryPut(T item) => PutCoreAsync(item, TimeSpan.Zero, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override async ValueTask PutAsync(T item, int timeoutMs, CancellationToken cancellationToken)
    {
        if (!await PutCoreAsync(item, ToTimeSpan(timeoutMs), cancellationToken).ConfigureAwait(false))
            throw FullTimeout();
    }

    public override void Put(T item, int timeoutMs, CancellationToken cancellationToken)
        => PutAsync(item, timeoutMs, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override bool TryGet([MaybeNullWhen(false)] out T item)
    {
        var waiter = new QueueWaiter<T>();
        try
        {
            bool got = GetCoreAsync(waiter, TimeSpan.Zero, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            item = got ? waiter.Task.Result : default;
            return got;
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
            item = default;
            return false;
        }
    }

    protected override QueueWaiter<T>? BeginGet(int timeoutMs, out T item)
    {
        item = default!;
        var waiter = new QueueWaiter<T>();
        _ = FetchForAsync(waiter, timeoutMs);
        return waiter;
    }

    public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        int pause = 2;
        while (true)
        {
            if (await _queue.CountAsync(cancellationToken).ConfigureAwait(false) > 0)
                return true;
            if (_queue.IsClosed && await _queue.IsDrainedAsync(cancellationToken).ConfigureAwait(false))
            {
                _completion.TrySetResult();
                return false;
            }
            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            pause = Math.Min(pause * 2, 50);
        }
    }

    public override ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken)
        => cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled<bool>(cancellationToken) : new ValueTask<bool>(!_queue.IsClosed);

    public override void TaskDone() => _queue.TaskDoneAsync().AsTask().GetAwaiter().GetResult();

    public override ValueTask JoinAsync(CancellationToken cancellationToken) => _queue.JoinAsync(cancellationToken);

    public override bool TryComplete(Exception? error)
    {
        if (_queue.IsClosed)
            return false;
        _queue.CloseAsync().AsTask().GetAwaiter().GetResult();
        return true;
    }

    private async ValueTask<bool> PutCoreAsync(T item, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        _codec.Encode(buffer, item);
        return await _queue.PutAsync(buffer.WrittenMemory, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Fetches for a waiter that the caller's timeout or cancellation may complete first; an item it then refuses goes back.</summary>
    private async Task FetchForAsync(QueueWaiter<T> waiter, int timeoutMs)
    {
        try
        {
            // The fetch ends on its own a little after the caller's timeout; the waiter has failed by then.
            if (!await GetCoreAsync(waiter, ToTimeSpan(timeoutMs), CancellationToken.None).ConfigureAwait(false))
                waiter.TrySetException(EmptyTimeout());
        }
        catch (Exception ex)
        {
            waiter.TrySetException(ex);
        }
    }

    private ValueTask<bool> GetCoreAsync(QueueWaiter<T> waiter, TimeSpan timeout, CancellationToken cancellationToken)
        => _queue.GetAsync(timeout, static state => !state.Item2.Task.IsCompleted, static (state, payload) =>
        {
            (NatsQueueLane<T> lane, QueueWaiter<T> target) = state;
            return !target.Task.IsCompleted && target.TrySetResult(lane._codec.Decode(payload));
        }, (this, waiter), cancellationToken);

    private static TimeSpan ToTimeSpan(int timeoutMs) => timeoutMs == QueueWaits.Infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(timeoutMs);
}
