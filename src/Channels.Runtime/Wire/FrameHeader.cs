namespace Channels.Wire;

/// <summary>A validated frame header.</summary>
/// <param name="Length">The length field: lane, kind and payload bytes.</param>
/// <param name="Lane">The lane number, or <see cref="FrameLayout.LinkLane"/>.</param>
/// <param name="Kind">The frame kind.</param>
internal readonly record struct FrameHeader(int Length, ushort Lane, FrameKind Kind)
{
    /// <summary>The payload's size in bytes.</summary>
    public int PayloadLength => Length - FrameLayout.LengthOverhead;

    /// <summary>The whole frame's size in bytes, length field included.</summary>
    public int FrameSize => Length + FrameLayout.LengthFieldSize;
}
