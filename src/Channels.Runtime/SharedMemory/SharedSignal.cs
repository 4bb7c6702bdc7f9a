namespace Channels.SharedMemory;

/// <summary>
/// A condition shared between processes: a sequence word that a notifier bumps and a count of sleepers, so that a
/// notifier makes the wake-up system call only when someone sleeps. Both words live in shared memory; this type
/// holds only their addresses.
/// </summary>
/// <remarks>
/// A waiter calls <see cref="Prepare"/> (counts itself as a sleeper and reads the sequence), then checks its
/// condition, then <see cref="Sleep"/>s, then <see cref="Done"/>. A notifier changes the condition, passes a full
/// fence (an interlocked operation such as a <see cref="SharedLock.Exit"/>), then calls <see cref="Notify"/>. Either
/// the waiter sees the new condition or the notifier sees the sleeper and bumps the sequence: no wake-up is lost.
/// </remarks>
internal readonly unsafe struct SharedSignal
{
    private readonly int* _sequence;
    private readonly int* _sleepers;

    /// <summary>Uses <paramref name="sequence"/> and <paramref name="sleepers"/> (two words of the mapping).</summary>
    public SharedSignal(int* sequence, int* sleepers)
    {
        _sequence = sequence;
        _sleepers = sleepers;
    }

    /// <summary>Counts the caller as a sleeper and returns the sequence to pass to <see cref="Sleep"/>.</summary>
    public int Prepare()
    {
        Interlocked.Increment(ref *_sleepers);
        return Volatile.Read(ref *_sequence);
    }

    /// <summary>Sleeps while the sequence is still <paramref name="observed"/>, at most <paramref name="timeoutMs"/>; false when the time ran out.</summary>
    public bool Sleep(int observed, int timeoutMs) => Futex.Wait(_sequence, observed, timeoutMs);

    /// <summary>Ends a <see cref="Prepare"/>.</summary>
    public void Done() => Interlocked.Decrement(ref *_sleepers);

    /// <summary>Wakes every sleeper if there is one (one system call); see the remarks for the fence it needs.</summary>
    public void Notify()
    {
        if (Volatile.Read(ref *_sleepers) == 0)
            return;
        Interlocked.Increment(ref *_sequence);
        Futex.Wake(_sequence);
    }

    /// <summary>Wakes every sleeper unconditionally (a peer was lost, the queue closed, a wait was cancelled).</summary>
    public void WakeAll()
    {
        Interlocked.Increment(ref *_sequence);
        Futex.Wake(_sequence);
    }
}
