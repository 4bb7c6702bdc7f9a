namespace Channels.Queues;

/// <summary>What the host tells a member that joined: its member slot and the segment file of each lane.</summary>
/// <param name="Slot">The member's slot in every segment's member table (1 and up; 0 is the host).</param>
/// <param name="Segments">The segment file of each lane, in lane order.</param>
internal sealed record QueueWelcome(int Slot, string[] Segments);
