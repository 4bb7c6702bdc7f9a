namespace Channels;

/// <summary>A put on a full <see cref="ProcessQueue{T}"/> did not find room within its timeout (Python's <c>queue.Full</c>).</summary>
public sealed class QueueFullException : ChannelsException
{
    /// <summary>Creates the exception.</summary>
    public QueueFullException(string message) : base(message) { }
}
