using System.Threading.Channels;

namespace Channels;

// INTERFACE SKETCH (owned by the queue work): public members per issue 4, bodies to write.

/// <summary>
/// A bounded multi-producer, multi-consumer queue shared by many processes (Python's
/// <c>multiprocessing.JoinableQueue</c>), a lane of a queue contract.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class ProcessQueue<T>
{
    internal ProcessQueue() { }

    /// <summary>A writer that puts items.</summary>
    public ChannelWriter<T> Writer => throw new NotImplementedException();

    /// <summary>A reader that gets items.</summary>
    public ChannelReader<T> Reader => throw new NotImplementedException();
}
