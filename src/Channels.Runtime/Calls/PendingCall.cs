namespace Channels.Calls;

/// <summary>A call sent and not yet answered; completed by the response loop, a cancellation or the loss of the link.</summary>
internal sealed class PendingCall<TResponse>(ICallCanceller owner, ulong id) : TaskCompletionSource<TResponse>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public ulong Id => id;

    public ICallCanceller Owner => owner;
}

/// <summary>Cancels one pending call of a call lane by its id.</summary>
internal interface ICallCanceller
{
    void Cancel(ulong id, CancellationToken token);
}
