namespace Channels.SharedMemory;

/// <summary>An asynchronous operation parked on a <see cref="SharedWaitPump"/>.</summary>
internal interface IPumpedOperation
{
    /// <summary>Whether it has finished (completed, failed, timed out or cancelled): the pump drops it.</summary>
    bool IsFinished { get; }

    /// <summary>Tries the operation once; true when it is finished now.</summary>
    bool TryRun();

    /// <summary>Ends it with <paramref name="error"/> unless it finished already (the pump's source is gone).</summary>
    void Abandon(Exception error);
}
