namespace Channels.Lanes;

/// <summary>The link's view of a lane this side reads.</summary>
internal interface IReaderLane : ILane
{
    /// <summary>The messages this side buffers before the remote writer must wait.</summary>
    int WindowMessages { get; }

    /// <summary>
    /// True when the lane holds delivered messages its reader has not taken yet, with <paramref name="consumed"/> the
    /// count it has taken so far (it moves while the reader reads).
    /// </summary>
    bool HasBacklog(out long consumed);

    /// <summary>Decodes and queues the messages of a Data (<paramref name="isBatch"/> false) or Batch frame; returns how many it queued.</summary>
    /// <exception cref="ProtocolException">The payload does not decode, or the remote writer exceeded the window.</exception>
    int Deliver(ReadOnlyMemory<byte> payload, bool isBatch);

    /// <summary>
    /// A Batch frame of <paramref name="payloadLength"/> bytes, beginning with <paramref name="head"/>, is arriving:
    /// when it is one message that is a byte array filling the frame, the array the message's bytes go into (see
    /// <see cref="Transports.IFrameReceiver.LargeFrameDestination"/>); otherwise null.
    /// </summary>
    byte[]? LargeMessageDestination(int payloadLength, ReadOnlySpan<byte> head);

    /// <summary>Queues the message whose array <see cref="LargeMessageDestination"/> named, now filled; returns how many it queued.</summary>
    /// <exception cref="ProtocolException">The remote writer exceeded the window.</exception>
    int DeliverLarge(byte[] message);

    /// <summary>The remote writer completed, with <paramref name="error"/> when it failed.</summary>
    void CompleteRemote(RemoteException? error);

    /// <summary>Binds this reader to a writer in this process, to which consumed window returns.</summary>
    void BindLocal(IWriterLane writer);
}
