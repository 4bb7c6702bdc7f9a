namespace Channels.Queues;

/// <summary>
/// Where everything lives in a queue's shared segment (docs/queues.md has the picture). Hot words sit on cache
/// lines of their own. Positions are counted in 8-byte units; a position word packs a 40-bit position with a
/// 24-bit item sequence so that one store commits a put or a get.
/// </summary>
internal static class QueueSegmentLayout
{
    public const int Magic = 0x51454843; // "CHEQ"
    public const int LayoutVersion = 1;

    // Header, written once by the host.
    public const int MagicOffset = 0;
    public const int VersionOffset = 4;
    public const int CapacityOffset = 8;
    public const int FlagsOffset = 12;
    public const int ArenaBytesOffset = 16;
    public const int HeldBytesOffset = 24;
    public const int MemberSlotsOffset = 32;
    public const int FingerprintOffset = 40;

    public const int FlagRedeliver = 1;

    // Shared words.
    public const int LockOffset = 64;
    public const int TailOffset = 128;
    public const int HeadOffset = 192;
    public const int NotEmptySequenceOffset = 256;
    public const int NotEmptySleepingOffset = 260;
    public const int NotFullSequenceOffset = 320;
    public const int NotFullSleepingOffset = 324;
    public const int DoneOffset = 384;
    public const int JoinedSequenceOffset = 388;
    public const int JoinedSleepingOffset = 392;
    public const int ClosedOffset = 396;

    // Member table: one entry per member slot (slot 0 is the host), 64 bytes each.
    public const int MembersOffset = 448;
    public const int MemberEntryBytes = 64;
    public const int MemberGotOffset = 0;
    public const int MemberHeldHeadOffset = 8;
    public const int MemberHeldTailOffset = 16;

    // A TaskDone in progress (written under the lock before it changes anything): the flag, then the got count,
    // held-ring head and done counter it started from, so that the host can undo a TaskDone its process died inside.
    public const int MemberSettlingOffset = 24;
    public const int MemberSettlingDoneOffset = 28;
    public const int MemberSettlingHeldHeadOffset = 32;
    public const int MemberSettlingGotOffset = 40;

    /// <summary>How many processes can be members at once, the host included.</summary>
    public const int MemberSlots = 64;

    /// <summary>Header and member table, rounded to pages.</summary>
    public const long HeaderBytes = 8192;

    /// <summary>An item record's header: its length (−1 marks padding to the end of the ring) and its sequence.</summary>
    public const int RecordHeaderBytes = 8;

    public const int PaddingLength = -1;

    public const long PositionMask = (1L << 40) - 1;
    public const int SequenceMask = (1 << 24) - 1;

    /// <summary>Smallest and default item arena.</summary>
    public const long MinimumArenaBytes = 64 * 1024;

    /// <summary>A redelivery queue's per-member record of held items, as a fraction of the arena.</summary>
    public const int HeldArenaDivisor = 8;

    public static long HeldArenasOffset => HeaderBytes;

    public static long ArenaOffset(long heldBytes) => HeaderBytes + MemberSlots * heldBytes;

    public static long TotalBytes(long arenaBytes, long heldBytes) => ArenaOffset(heldBytes) + arenaBytes;

    public static long Pack(long position8, int sequence) => (position8 & PositionMask) | ((long)(sequence & SequenceMask) << 40);

    public static long Position(long word) => word & PositionMask;

    public static int Sequence(long word) => (int)((ulong)word >> 40) & SequenceMask;

    /// <summary>The bytes a record of <paramref name="itemBytes"/> takes: header plus the item rounded up to 8.</summary>
    public static long RecordBytes(int itemBytes) => RecordHeaderBytes + ((itemBytes + 7L) & ~7L);
}
