namespace Channels.TestChild.Queues;

/// <summary>What a consumer reports after processing an item, before it calls TaskDone.</summary>
public readonly record struct WorkResult(int Consumer, int Producer, long Sequence);
