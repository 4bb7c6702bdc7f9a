namespace Channels.SharedMemory;

/// <summary>
/// A condition shared between processes: a sequence word that a notifier bumps and a "someone sleeps" flag, so
/// that a notifier makes the wake-up system call only once per sleep: the first notifier after a waiter announced
/// itself clears the flag and wakes everyone; later ones see it clear and make no call until a waiter announces
/// itself again. Both words live in shared memory; this type holds only their addresses.
/// </summary>
/// <remarks>
/// A waiter calls <see cref="Prepare"/> (raises the flag and reads the sequence), then checks its condition, then
/// <see cref="Sleep"/>s, then <see cref="Done"/>. A notifier changes the condition, passes a full fence (an
/// interlocked operation such as a <see cref="SharedLock.Exit"/>), then calls <see cref="Notify"/>. Either the
/// waiter sees the new condition or the notifier sees the flag and bumps the sequence: no wake-up is lost.
/// </remarks>
internal readonly unsafe struct SharedSignal
{
    private readonly int* _sequence;
    private readonly int* _sleeping;

    /// <summary>Uses <paramref name="sequence"/> and <paramref name="sleeping"/> (two words of the mapping).</summary>
    public SharedSignal(int* sequence, int* sleeping)
    {
        _sequence = sequence;
        _sleeping = sleeping;
    }

    /// <summary>Announces a sleeper and returns the sequence to pass to <see cref="Sleep"/>.</summary>
    public int Prepare()
    {
        Interlocked.Exchange(ref *_sleeping, 1);
        return Volatile.Read(ref *_sequence);
    }

    /// <summary>Sleeps while the sequence is still <paramref name="observed"/>, at most <paramref name="timeoutMs"/>; false when the time ran out.</summary>
    public bool Sleep(int observed, int timeoutMs) => Futex.Wait(_sequence, observed, timeoutMs);

    /// <summary>Ends a <see cref="Prepare"/> (the flag is left for the next notifier to clear: one spare call at most).</summary>
    public void Done()
    {
    }

    /// <summary>Wakes every sleeper if one announced itself since the last wake-up; see the remarks for the fence it needs.</summary>
    public void Notify()
    {
        if (Volatile.Read(ref *_sleeping) == 0 || Interlocked.Exchange(ref *_sleeping, 0) == 0)
            return;
        Interlocked.Increment(ref *_sequence);
        Futex.Wake(_sequence);
    }

    /// <summary>Wakes every sleeper unconditionally (a peer was lost, the queue closed, a wait was cancelled).</summary>
    public void WakeAll()
    {
        Interlocked.Exchange(ref *_sleeping, 0);
        Interlocked.Increment(ref *_sequence);
        Futex.Wake(_sequence);
    }
}
