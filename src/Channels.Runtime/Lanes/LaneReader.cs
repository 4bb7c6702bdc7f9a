using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.Wire;

namespace Channels.Lanes;

/// <summary>
/// The reader of one lane: a ring of received messages, at most the window long. Consumed messages return window
/// to the remote writer in batches (a quarter of the window at a time), so credit costs one small frame per many
/// messages. Completion and errors take effect after every message received before them.
/// </summary>
/// <typeparam name="T">The lane's message type.</typeparam>
[DebuggerDisplay("Lane {_lane} reader: {_count} buffered, done {_done is not null}")]
internal sealed class LaneReader<T> : ChannelReader<T>, IReaderLane
{
    private static readonly Exception Completed = new ChannelClosedException("completed");

    private readonly ChannelLink _link;
    private readonly int _lane;
    private readonly ILaneCodec<T> _codec;
    private readonly Lock _lock = new();
    private readonly WaiterList _waiters;
    private readonly int _windowMessages;
    private readonly int _creditBatchMessages;
    private readonly long _creditBatchBytes;
    private T[] _items;
    private int[] _sizes;
    private int _head;
    private int _count;
    private int _consumedMessages;
    private long _consumedBytes;
    private Exception? _done;
    private TaskCompletionSource? _completion;
    private IWriterLane? _localWriter;

    public LaneReader(ChannelLink link, int lane, ILaneCodec<T> codec, int windowMessages, int windowBytes)
    {
        _link = link;
        _lane = lane;
        _codec = codec;
        _waiters = new WaiterList(_lock);
        _windowMessages = windowMessages;
        _creditBatchMessages = Math.Max(1, windowMessages / 4);
        _creditBatchBytes = Math.Max(1, windowBytes / 4);
        int initial = Math.Min(windowMessages, 64);
        _items = new T[initial];
        _sizes = new int[initial];
    }

    public int Lane => _lane;

    public int WindowMessages => _windowMessages;

    public override bool CanCount => true;

    public override bool CanPeek => true;

    public override int Count
    {
        get
        {
            lock (_lock)
                return _count;
        }
    }

    public override Task Completion
    {
        get
        {
            bool finished;
            TaskCompletionSource completion;
            lock (_lock)
            {
                if (_completion is not null)
                    return _completion.Task;
                completion = _completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                finished = _done is not null && _count == 0;
            }
            if (finished)
                FinishCompletion();
            return completion.Task;
        }
    }

    public override bool TryRead([MaybeNullWhen(false)] out T item)
    {
        _link.OnLaneUse();
        int grantMessages = 0;
        long grantBytes = 0;
        bool finished;
        lock (_lock)
        {
            if (_count == 0)
            {
                item = default;
                return false;
            }
            int head = _head;
            item = _items[head];
            _items[head] = default!;
            _consumedBytes += _sizes[head];
            _head = head + 1 == _items.Length ? 0 : head + 1;
            _count--;
            _consumedMessages++;
            if (_consumedMessages >= _creditBatchMessages || _consumedBytes >= _creditBatchBytes)
            {
                grantMessages = _consumedMessages;
                grantBytes = _consumedBytes;
                _consumedMessages = 0;
                _consumedBytes = 0;
            }
            finished = _count == 0 && _done is not null;
        }
        if (grantMessages > 0)
            ReturnCredit(grantMessages, grantBytes);
        if (finished)
            FinishCompletion();
        return true;
    }

    public override bool TryPeek([MaybeNullWhen(false)] out T item)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                item = default;
                return false;
            }
            item = _items[_head];
            return true;
        }
    }

    public override ValueTask<T> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<T>(cancellationToken);
        if (TryRead(out T? item))
            return new ValueTask<T>(item);
        return ReadSlowAsync(cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> ReadSlowAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!await WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                throw new ChannelClosedException($"The writer of {_link.DescribeLane(_lane)} completed; no more messages.");
            if (TryRead(out T? item))
                return item;
        }
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
            return ValueTask.FromCanceled<bool>(cancellationToken);
        _link.OnLaneUse();
        lock (_lock)
        {
            if (_count > 0)
                return new ValueTask<bool>(true);
            if (_done is not null)
                return ReferenceEquals(_done, Completed) ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(_done);
            return _waiters.Add(cancellationToken);
        }
    }

    void IReaderLane.Deliver(ReadOnlyMemory<byte> payload, bool isBatch)
    {
        Waiter? waiters;
        // One lock for the whole frame: the consumer waits at most one frame's decoding.
        lock (_lock)
        {
            if (!isBatch)
            {
                EnqueueLocked(Decode(payload), payload.Length);
            }
            else
            {
                var entries = new BatchReader(payload.Span);
                while (entries.TryNext(out int start, out int length))
                    EnqueueLocked(Decode(payload.Slice(start, length)), length);
            }
            waiters = _waiters.DetachAll();
        }
        WaiterList.Wake(waiters, true, null);
    }

    /// <summary>Queues a message from a writer in this process (credit already checked by the writer).</summary>
    internal void EnqueueLocal(T item)
    {
        Enqueue(item, 0);
        Waiter? waiters;
        lock (_lock)
            waiters = _waiters.DetachAll();
        WaiterList.Wake(waiters, true, null);
    }

    public void CompleteRemote(RemoteException? error)
        => End(error is null ? Completed : new ChannelClosedException($"The writer of {_link.DescribeLane(_lane)} failed: {error.Message}", error));

    public void FailLink(Exception error) => End(error);

    void IReaderLane.BindLocal(IWriterLane writer)
    {
        lock (_lock)
            _localWriter = writer;
    }

    private void End(Exception done)
    {
        Waiter? waiters;
        bool finished;
        lock (_lock)
        {
            if (_done is not null)
                return;
            _done = done;
            waiters = _waiters.DetachAll();
            finished = _count == 0;
        }
        // Waiters retry: they find the buffered messages first, then the end.
        WaiterList.Wake(waiters, true, null);
        if (finished)
            FinishCompletion();
    }

    private void Enqueue(T item, int size)
    {
        lock (_lock)
            EnqueueLocked(item, size);
    }

    private void EnqueueLocked(T item, int size)
    {
        if (_done is not null)
            return;
        if (_count == _items.Length)
        {
            if (_count >= _windowMessages)
                ThrowWindowExceeded();
            Grow();
        }
        int tail = _head + _count;
        if (tail >= _items.Length)
            tail -= _items.Length;
        _items[tail] = item;
        _sizes[tail] = size;
        _count++;
    }

    private void Grow()
    {
        int size = Math.Min(_windowMessages, _items.Length * 2);
        var items = new T[size];
        var sizes = new int[size];
        for (int i = 0; i < _count; i++)
        {
            int from = (_head + i) % _items.Length;
            items[i] = _items[from];
            sizes[i] = _sizes[from];
        }
        _items = items;
        _sizes = sizes;
        _head = 0;
    }

    private T Decode(ReadOnlyMemory<byte> payload)
    {
        try
        {
            return _codec.Decode(new ReadOnlySequence<byte>(payload));
        }
        catch (ProtocolException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new ProtocolException($"A message of {_link.DescribeLane(_lane)} does not decode ({payload.Length} bytes): {ex.Message}", ex);
        }
    }

    private void ReturnCredit(int messages, long bytes)
    {
        IWriterLane? local = _localWriter;
        if (local is not null)
            local.AddCredit(messages, 0);
        else
            _link.AppendCredit(_lane, messages, bytes);
    }

    private void FinishCompletion()
    {
        TaskCompletionSource? completion;
        Exception? done;
        lock (_lock)
        {
            completion = _completion;
            done = _done;
        }
        if (completion is null || done is null)
            return;
        if (ReferenceEquals(done, Completed))
        {
            completion.TrySetResult();
        }
        else if (completion.TrySetException(done))
        {
            // The same error reaches every read; nobody has to await Completion to keep it from going unobserved.
            _ = completion.Task.Exception;
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowWindowExceeded()
        => throw new ProtocolException($"The other side sent more than the window of {_windowMessages} messages on {_link.DescribeLane(_lane)}.");
}
