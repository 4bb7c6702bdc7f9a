namespace Channels;

/// <summary>A get on an empty <see cref="ProcessQueue{T}"/> found no item within its timeout (Python's <c>queue.Empty</c>).</summary>
public sealed class QueueEmptyException : ChannelsException
{
    /// <summary>Creates the exception.</summary>
    public QueueEmptyException(string message) : base(message) { }
}
