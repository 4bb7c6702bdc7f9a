namespace Channels.TestChild.Queues;

/// <summary>64-bit FNV-1a over a canonical text, as the generator fingerprints a contract's shape.</summary>
public static class TestFingerprint
{
    /// <summary>The fingerprint of <paramref name="canonical"/>.</summary>
    public static ulong Of(string canonical)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in canonical)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
