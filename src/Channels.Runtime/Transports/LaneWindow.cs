namespace Channels.Transports;

/// <summary>How much of one lane a reader buffers before the remote writer must wait: a count of messages and of payload bytes.</summary>
/// <param name="Messages">The window in messages.</param>
/// <param name="Bytes">The window in encoded payload bytes.</param>
internal readonly record struct LaneWindow(int Messages, int Bytes);
