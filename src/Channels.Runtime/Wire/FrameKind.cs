namespace Channels.Wire;

/// <summary>What a frame carries. Values are part of the wire format; never renumber.</summary>
internal enum FrameKind : byte
{
    /// <summary>One message of a lane: the payload is its encoding.</summary>
    Data = 1,

    /// <summary>Several messages of one lane: the payload is a sequence of <c>u32 length | encoding</c> entries.</summary>
    Batch = 2,

    /// <summary>The reader of a lane returns window: <c>u32 messages | u32 bytes</c>.</summary>
    Credit = 3,

    /// <summary>The writer of a lane completed; no payload.</summary>
    Complete = 4,

    /// <summary>The writer of a lane completed with an error: see <see cref="FaultPayload"/>.</summary>
    Fault = 5,

    /// <summary>Keeps an idle link alive; no payload; lane <see cref="FrameLayout.LinkLane"/>.</summary>
    Ping = 6,

    /// <summary>The sender disposes the link after completing its writers; no payload; lane <see cref="FrameLayout.LinkLane"/>.</summary>
    Close = 7,
}
