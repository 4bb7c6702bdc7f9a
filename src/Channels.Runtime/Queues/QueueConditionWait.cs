using Channels.SharedMemory;

namespace Channels.Queues;

/// <summary>One <see cref="QueueCondition"/> of an engine as something a <see cref="SharedWaitPump"/> sleeps on.</summary>
internal sealed class QueueConditionWait(IQueueEngine engine, QueueCondition condition) : ISharedWait
{
    public string Name => $"{engine.Name} {condition}";

    public int PrepareWait() => engine.PrepareWait(condition);

    public void Sleep(int token, int timeoutMs) => engine.Sleep(condition, token, timeoutMs);

    public void EndWait() => engine.EndWait(condition);
}
