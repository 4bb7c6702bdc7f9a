namespace Channels.Queues;

/// <summary>What a waiting queue operation waits for.</summary>
internal enum QueueCondition
{
    /// <summary>An item to get, or the queue closed.</summary>
    NotEmpty,

    /// <summary>Room for an item of a given size, or the queue closed.</summary>
    NotFull,

    /// <summary>Every item put has been settled with TaskDone.</summary>
    Joined,
}
