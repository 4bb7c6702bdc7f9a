using System.Buffers;
using System.Threading.Channels;

namespace Channels.Queues;

/// <summary>The parked asynchronous operations of a <see cref="QueueLane{T}"/>.</summary>
internal static class QueueWaiters
{
    /// <summary>A get: takes the item inside the attempt, so it leaves the queue only for a caller that receives it.</summary>
    public sealed class Get<T>(QueueLane<T> lane) : QueueWaiter
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _item = default!;

        public Task<T> Task => _completion.Task;

        protected override bool Attempt()
        {
            if (!lane.TryGetCore(out _item, out bool drained))
                return drained ? throw QueueThrow.Drained(lane.Name) : false;
            return true;
        }

        protected override void Succeed() => _completion.TrySetResult(_item);

        protected override void Fail(Exception error) => _completion.TrySetException(error);

        protected override void Canceled(CancellationToken token) => _completion.TrySetCanceled(token);

        protected override Exception TimedOut() => QueueThrow.Empty(lane.Name);
    }

    /// <summary>A put of an item encoded already (its bytes kept in a pooled array until it is put or abandoned).</summary>
    public sealed class Put : QueueWaiter
    {
        private readonly IQueueEngine _engine;
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly byte[] _bytes;
        private readonly int _length;

        public Put(IQueueEngine engine, ReadOnlySpan<byte> item)
        {
            _engine = engine;
            _length = item.Length;
            _bytes = ArrayPool<byte>.Shared.Rent(item.Length);
            item.CopyTo(_bytes);
        }

        public Task Task => _completion.Task;

        public override int ItemBytes => _length;

        protected override bool Attempt() => _engine.TryPut(_bytes.AsSpan(0, _length));

        protected override void Succeed()
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _completion.TrySetResult();
        }

        protected override void Fail(Exception error)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _completion.TrySetException(error);
        }

        protected override void Canceled(CancellationToken token)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _completion.TrySetCanceled(token);
        }

        protected override Exception TimedOut() => QueueThrow.Full(_engine.Name, _engine.Capacity);
    }

    /// <summary>Waits until a condition holds: an item or the end (WaitToReadAsync), room or the end (WaitToWriteAsync), or every item settled (JoinAsync).</summary>
    public sealed class Probe(IQueueEngine engine, QueueCondition condition) : QueueWaiter
    {
        private readonly TaskCompletionSource<bool> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _result;

        public Task<bool> Task => _completion.Task;

        protected override bool Attempt()
        {
            engine.ThrowIfFailed();
            switch (condition)
            {
                case QueueCondition.NotEmpty:
                    if (engine.Count > 0) return _result = true;
                    if (engine.IsClosed) return !(_result = false);
                    return false;
                case QueueCondition.NotFull:
                    if (engine.IsClosed) return !(_result = false);
                    return _result = engine.Holds(QueueCondition.NotFull, 0);
                default:
                    return _result = engine.Holds(QueueCondition.Joined, 0);
            }
        }

        protected override void Succeed() => _completion.TrySetResult(_result);

        protected override void Fail(Exception error) => _completion.TrySetException(error);

        protected override void Canceled(CancellationToken token) => _completion.TrySetCanceled(token);

        protected override Exception TimedOut() => new TimeoutException($"Queue '{engine.Name}': the wait timed out.");
    }

    /// <summary>Ends a closed queue's pending writes the way <see cref="ChannelWriter{T}"/> does.</summary>
    public static ChannelClosedException Closed(string name) => new($"Queue '{name}' is closed; no more items can be put.");
}
