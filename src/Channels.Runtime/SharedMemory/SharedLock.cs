using System.Runtime.CompilerServices;

namespace Channels.SharedMemory;

/// <summary>
/// A mutual-exclusion lock on a 32-bit word of shared memory whose value names its holder: 0 is free, otherwise
/// the holder's id (1 to <see cref="MaxOwner"/>) with <see cref="Contended"/> set while someone sleeps on it. A
/// supervisor that learns a holder is dead breaks the lock with <see cref="TryBreak"/>; the data it guards must
/// therefore be consistent at every instruction of the holder (commit each change with one store).
/// </summary>
internal static unsafe class SharedLock
{
    /// <summary>The largest owner id.</summary>
    public const int MaxOwner = 0xFFFF;

    /// <summary>Set in the word while a contender sleeps on it, so that the holder's release wakes one.</summary>
    public const int Contended = 0x40000000;

    private const int SpinRounds = 40;

    /// <summary>Takes the lock without waiting, if it is free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryEnter(int* word, int owner) => Interlocked.CompareExchange(ref *word, owner, 0) == 0;

    /// <summary>
    /// Takes the lock: spins a little, then sleeps on the word for at most <paramref name="sliceMs"/> at a time.
    /// Returns false when a slice passed without the lock, so that the caller can check for a lost peer and call
    /// again.
    /// </summary>
    public static bool Enter(int* word, int owner, int sliceMs)
    {
        if (TryEnter(word, owner))
            return true;
        for (int round = 0; round < SpinRounds; round++)
        {
            if (Volatile.Read(ref *word) == 0 && TryEnter(word, owner))
                return true;
            if (round < SpinRounds / 2)
                Thread.SpinWait(30);
            else
                Thread.Yield();
        }
        while (true)
        {
            int current = Volatile.Read(ref *word);
            if (current == 0)
            {
                // Taken with the contended mark: another sleeper may still be waiting behind us.
                if (Interlocked.CompareExchange(ref *word, owner | Contended, 0) == 0)
                    return true;
                continue;
            }
            if ((current & Contended) == 0 && Interlocked.CompareExchange(ref *word, current | Contended, current) != current)
                continue;
            if (!Futex.Wait(word, current | Contended, sliceMs))
                return false;
            if (Volatile.Read(ref *word) == 0 && Interlocked.CompareExchange(ref *word, owner | Contended, 0) == 0)
                return true;
        }
    }

    /// <summary>Releases the lock and wakes one sleeper if there is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Exit(int* word)
    {
        if ((Interlocked.Exchange(ref *word, 0) & Contended) != 0)
            Futex.Wake(word, 1);
    }

    /// <summary>The current holder's id (0 when free).</summary>
    public static int Holder(int* word) => Volatile.Read(ref *word) & MaxOwner;

    /// <summary>
    /// Takes the lock over from <paramref name="deadOwner"/> if it holds it (it died holding it), so that the
    /// supervisor can repair what the dead holder left half-done before anyone else looks; release with <see cref="Exit"/>.
    /// </summary>
    public static bool TryTakeOver(int* word, int deadOwner, int owner)
    {
        while (true)
        {
            int current = Volatile.Read(ref *word);
            if ((current & MaxOwner) != deadOwner || current == 0)
                return false;
            // Keep the contended mark: the release must still wake a sleeper.
            if (Interlocked.CompareExchange(ref *word, owner | (current & Contended), current) == current)
                return true;
        }
    }

    /// <summary>Frees the lock if <paramref name="deadOwner"/> holds it (it died holding it) and wakes every sleeper.</summary>
    public static bool TryBreak(int* word, int deadOwner)
    {
        while (true)
        {
            int current = Volatile.Read(ref *word);
            if ((current & MaxOwner) != deadOwner || current == 0)
                return false;
            if (Interlocked.CompareExchange(ref *word, 0, current) == current)
            {
                Futex.Wake(word);
                return true;
            }
        }
    }
}
