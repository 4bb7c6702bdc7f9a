namespace Channels.Queues;

/// <summary>
/// One blocked operation of a queue (a get, a put, a wait to read or write, a join). Completion is a single
/// atomic transition: whoever wins <c>TrySet*</c> owns the outcome, so an item handed to a waiter that timed out
/// at the same moment is never lost (the hand-over fails and the item stays in the queue).
/// </summary>
/// <typeparam name="TResult">What the waiter receives.</typeparam>
internal class QueueWaiter<TResult> : TaskCompletionSource<TResult>
{
    // Continuations run on the thread pool: a waiter is often completed under a queue's lock or on a
    // connection's receive loop, neither of which may run user code.
    public QueueWaiter() : base(TaskCreationOptions.RunContinuationsAsynchronously) { }
}
