namespace Channels.Lanes;

/// <summary>The link's view of a lane this side writes.</summary>
internal interface IWriterLane : ILane
{
    /// <summary>Window granted: the reader in this process returned it (messages only), or the link opened.</summary>
    void AddCredit(int messages, long bytes);

    /// <summary>A Credit frame: the remote reader returned window it consumed.</summary>
    /// <exception cref="ProtocolException">It returned more than this side sent and had not had back (beyond the window).</exception>
    void ReturnCredit(int messages, long bytes);

    /// <summary>The link is connected: the remote reader's window is the first credit; a completion made before is sent now.</summary>
    void Activate(int windowMessages, long windowBytes);

    /// <summary>Binds this writer to a reader in this process (in-process transport).</summary>
    void BindLocal(IReaderLane reader);

    /// <summary>Completes the writer as part of disposing the link.</summary>
    void CompleteForDispose();
}
