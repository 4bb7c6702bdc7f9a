using System.Runtime.InteropServices;

namespace Channels.Lanes;

/// <summary>
/// The positions of a lane reader's ring, the producer's and the consumer's each on its own cache line (at least 64
/// bytes apart, however the struct is aligned), so that the receive loop publishing and a reader consuming do not
/// take each other's line on every message.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 5 * 64)]
internal struct RingPositions
{
    /// <summary>The next slot the producer fills; written by the producer only.</summary>
    [FieldOffset(64)] public long Tail;

    /// <summary>Whether a reader may be parked; set by readers, cleared when they are woken.</summary>
    [FieldOffset(72)] public int Parked;

    /// <summary>The next slot a reader takes; written by the reader holding <see cref="Reading"/>.</summary>
    [FieldOffset(192)] public long Head;

    /// <summary>1 while a reader holds the consumer side.</summary>
    [FieldOffset(200)] public int Reading;
}
