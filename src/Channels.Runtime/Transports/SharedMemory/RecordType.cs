namespace Channels.Transports.SharedMemory;

/// <summary>What a ring record holds.</summary>
internal enum RecordType
{
    /// <summary>Bytes of the frame stream (for the transport: usually whole frames; a frame larger than a record spans several).</summary>
    Data = 1,

    /// <summary>Filler up to the end of the data area; the next record starts at offset 0.</summary>
    Padding = 2,

    /// <summary>The producer closed its side in an orderly way: nothing follows.</summary>
    End = 3,
}
