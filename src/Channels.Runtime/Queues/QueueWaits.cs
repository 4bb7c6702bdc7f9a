using System.Runtime.ExceptionServices;

namespace Channels.Queues;

/// <summary>Waits for a <see cref="QueueWaiter{TResult}"/> with a timeout and a cancellation token, synchronously or asynchronously.</summary>
internal static class QueueWaits
{
    /// <summary>The timeout meaning "wait forever".</summary>
    public const int Infinite = Timeout.Infinite;

    public static int ToMilliseconds(TimeSpan? timeout)
    {
        if (timeout is not { } value) return Infinite;
        if (value == Timeout.InfiniteTimeSpan) return Infinite;
        double ms = value.TotalMilliseconds;
        if (ms < 0) throw new ArgumentOutOfRangeException(nameof(timeout), value, "A queue timeout must not be negative (use null to wait forever).");
        return ms >= int.MaxValue ? int.MaxValue - 1 : (int)Math.Ceiling(ms);
    }

    /// <summary>
    /// Awaits <paramref name="waiter"/>; when the timeout passes first, the waiter fails with the exception made by
    /// <paramref name="onTimeout"/>; when <paramref name="cancellationToken"/> fires first, it is cancelled.
    /// </summary>
    public static async ValueTask<TResult> WaitAsync<TResult>(QueueWaiter<TResult> waiter, int timeoutMs, Func<Exception> onTimeout, CancellationToken cancellationToken)
    {
        if (timeoutMs == Infinite && !cancellationToken.CanBeCanceled)
            return await waiter.Task.ConfigureAwait(false);

        using var timer = timeoutMs == Infinite ? null : new CancellationTokenSource(timeoutMs);
        using var onTimer = timer is null ? default : timer.Token.UnsafeRegister(static (s, _) =>
        {
            var (w, make) = ((QueueWaiter<TResult>, Func<Exception>))s!;
            if (!w.Task.IsCompleted) w.TrySetException(make());
        }, (waiter, onTimeout));
        using var onCancel = cancellationToken.UnsafeRegister(static (s, token) => ((QueueWaiter<TResult>)s!).TrySetCanceled(token), waiter);
        return await waiter.Task.ConfigureAwait(false);
    }

    /// <summary>Blocks on <paramref name="waiter"/> for at most <paramref name="timeoutMs"/>; see <see cref="WaitAsync{TResult}"/>.</summary>
    public static TResult Wait<TResult>(QueueWaiter<TResult> waiter, int timeoutMs, Func<Exception> onTimeout, CancellationToken cancellationToken = default)
    {
        if (!waiter.Task.IsCompleted)
        {
            bool done;
            try
            {
                done = waiter.Task.Wait(timeoutMs, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                waiter.TrySetCanceled(cancellationToken);
                done = true;
            }
            catch (AggregateException)
            {
                done = true;
            }
            // Losing this race means the waiter was served at the last moment: its result stands.
            if (!done) waiter.TrySetException(onTimeout());
        }
        var task = waiter.Task;
        if (task.IsCompletedSuccessfully) return task.Result;
        if (task.IsCanceled) throw new OperationCanceledException(cancellationToken);
        ExceptionDispatchInfo.Throw(task.Exception!.InnerException!);
        return default!;
    }
}
