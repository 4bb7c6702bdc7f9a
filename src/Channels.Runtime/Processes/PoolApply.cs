namespace Channels;

/// <summary>One <see cref="ProcessPool.ApplyAsync{TArg, TResult}(Func{TArg, TResult}, TArg, CancellationToken)"/>: a task of one item whose outcome completes a task.</summary>
internal sealed class PoolApply<TResult>() : TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously), IPoolTaskSink
{
    public void OnCompleted(PoolTask task, byte[]? reply, Exception? error)
    {
        if (error is OperationCanceledException && task.CancellationToken.IsCancellationRequested)
        {
            TrySetCanceled(task.CancellationToken);
            return;
        }
        if (error is not null)
        {
            TrySetException(error);
            return;
        }
        try
        {
            TResult[] values = PoolReply.Decode<TResult>(reply!, 1, out List<PoolItemError>? errors);
            if (errors is not null)
                TrySetException(errors[0].Error);
            else
                TrySetResult(values[0]);
        }
        catch (ProtocolException ex)
        {
            TrySetException(ex);
        }
    }
}
