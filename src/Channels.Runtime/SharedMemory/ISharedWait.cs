namespace Channels.SharedMemory;

/// <summary>
/// Something a <see cref="SharedWaitPump"/> sleeps on: a condition whose changes are signalled on a shared futex
/// word (for example a <see cref="SharedSignal"/>). The pump calls <see cref="PrepareWait"/>, tries its operations,
/// and if none made progress <see cref="Sleep"/>s with the token, then <see cref="EndWait"/>.
/// </summary>
internal interface ISharedWait
{
    /// <summary>A name for the pump's thread.</summary>
    string Name { get; }

    /// <summary>Announces a sleeper; returns the token for <see cref="Sleep"/>. Throws once the source is gone.</summary>
    int PrepareWait();

    /// <summary>Sleeps until the signal moves past <paramref name="token"/> or the time passes. Throws once the source is gone.</summary>
    void Sleep(int token, int timeoutMs);

    /// <summary>Ends a <see cref="PrepareWait"/>.</summary>
    void EndWait();
}
