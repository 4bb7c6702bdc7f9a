namespace Channels.Lanes;

/// <summary>The link's view of a lane this side reads.</summary>
internal interface IReaderLane : ILane
{
    /// <summary>The messages this side buffers before the remote writer must wait.</summary>
    int WindowMessages { get; }

    /// <summary>Decodes and queues the messages of a Data (<paramref name="isBatch"/> false) or Batch frame; returns how many it queued.</summary>
    /// <exception cref="ProtocolException">The payload does not decode, or the remote writer exceeded the window.</exception>
    int Deliver(ReadOnlyMemory<byte> payload, bool isBatch);

    /// <summary>The remote writer completed, with <paramref name="error"/> when it failed.</summary>
    void CompleteRemote(RemoteException? error);

    /// <summary>Binds this reader to a writer in this process, to which consumed window returns.</summary>
    void BindLocal(IWriterLane writer);
}
