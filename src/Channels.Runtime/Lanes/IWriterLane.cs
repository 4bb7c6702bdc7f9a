namespace Channels.Lanes;

/// <summary>The link's view of a lane this side writes.</summary>
internal interface IWriterLane : ILane
{
    /// <summary>Messages sent over the link's transport since it started (not those handed to a reader in this process).</summary>
    long SentMessages { get; }

    /// <summary>Encoded bytes of the messages counted by <see cref="SentMessages"/>.</summary>
    long SentBytes { get; }

    /// <summary>Window granted: the reader in this process returned it (messages only), or the link opened.</summary>
    void AddCredit(int messages, long bytes);

    /// <summary>A Credit frame: the remote reader returned window it consumed.</summary>
    /// <exception cref="ProtocolException">It returned more than this side sent and had not had back (beyond the window).</exception>
    void ReturnCredit(int messages, long bytes);

    /// <summary>The link is connected: the remote reader's window is the first credit; a completion made before is sent now.</summary>
    void Activate(int windowMessages, long windowBytes);

    /// <summary>Binds this writer to a reader in this process (in-process transport).</summary>
    void BindLocal(IReaderLane reader);

    /// <summary>Completes the writer, with <paramref name="error"/> as a fault when given (the remote reader sees it).</summary>
    bool TryComplete(Exception? error = null);

    /// <summary>Completes the writer as part of disposing the link.</summary>
    void CompleteForDispose();
}
