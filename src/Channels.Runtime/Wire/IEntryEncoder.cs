namespace Channels.Wire;

/// <summary>
/// Encodes the message being appended to a Batch frame (<see cref="FrameOutbox.AppendMessage"/>): a lane's writer, which
/// holds the message. The send path itself is not generic, so that a lane of a reference type, whose writer runs
/// shared generic code, pays one interface call per message rather than a generic dictionary lookup per level.
/// </summary>
internal interface IEntryEncoder
{
    /// <summary>Writes the pending message's bytes at the end of <paramref name="buffer"/>.</summary>
    void EncodeEntry(OutputBuffer buffer);
}
