namespace Channels.Queues;

/// <summary>
/// The byte-level operations behind a <see cref="ProcessQueue{T}"/>: items are opaque encodings, waits are split
/// into prepare / check / sleep so that <see cref="QueueLane{T}"/> builds Python's blocking, timeout and async
/// semantics once for every engine (shared memory on one machine today; a broker such as JetStream later).
/// </summary>
/// <remarks>
/// Every operation throws <see cref="PeerLostException"/> once the engine has lost its host, and
/// <see cref="ObjectDisposedException"/> once disposed. A wait never loses a wake-up: call
/// <see cref="PrepareWait"/>, check with <see cref="Holds"/> (or retry the operation), then <see cref="Sleep"/>,
/// then <see cref="EndWait"/>.
/// </remarks>
internal interface IQueueEngine : IDisposable
{
    /// <summary>"Contract.Lane", for messages.</summary>
    string Name { get; }

    /// <summary>The most items the queue holds (0: bounded only by its byte space).</summary>
    int Capacity { get; }

    /// <summary>The largest encoded item the queue takes, in bytes.</summary>
    int MaxItemBytes { get; }

    /// <summary>The items a get could return now.</summary>
    int Count { get; }

    /// <summary>Whether the queue was closed (no more puts).</summary>
    bool IsClosed { get; }

    /// <summary>Puts <paramref name="item"/> if there is room now.</summary>
    /// <exception cref="System.Threading.Channels.ChannelClosedException">The queue is closed.</exception>
    bool TryPut(ReadOnlySpan<byte> item);

    /// <summary>Takes the oldest item if there is one, copying it into <paramref name="buffer"/> (grown from the array pool when too small).</summary>
    bool TryGet(ref byte[] buffer, out int length);

    /// <summary>Settles the oldest item this process got and has not settled.</summary>
    /// <exception cref="InvalidOperationException">This process has no unsettled item.</exception>
    void TaskDone();

    /// <summary>Closes the queue for every process; false when it was closed already.</summary>
    bool Close();

    /// <summary>Starts a wait for <paramref name="condition"/> and returns the token for <see cref="Sleep"/>.</summary>
    int PrepareWait(QueueCondition condition);

    /// <summary>Whether <paramref name="condition"/> holds now (for <see cref="QueueCondition.NotFull"/>: room for <paramref name="itemBytes"/>).</summary>
    bool Holds(QueueCondition condition, int itemBytes);

    /// <summary>Sleeps until the condition's signal moves past <paramref name="token"/> or <paramref name="timeoutMs"/> passes (false).</summary>
    bool Sleep(QueueCondition condition, int token, int timeoutMs);

    /// <summary>Ends a <see cref="PrepareWait"/>.</summary>
    void EndWait(QueueCondition condition);

    /// <summary>Wakes every sleeper of <paramref name="condition"/> (a cancelled wait re-checks at once).</summary>
    void Wake(QueueCondition condition);

    /// <summary>Throws the engine's failure (host lost, disposed), if any.</summary>
    void ThrowIfFailed();
}
