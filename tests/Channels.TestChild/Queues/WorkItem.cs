namespace Channels.TestChild.Queues;

/// <summary>An item of the test queues: who put it and its sequence number in that producer.</summary>
public readonly record struct WorkItem(int Producer, long Sequence);
