namespace Channels.Generators.Helpers;

/// <summary>64-bit FNV-1a over UTF-16 code units: stable across runs, machines and .NET versions (unlike string.GetHashCode).</summary>
internal static class Fnv1a64
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Hash(string text)
    {
        ulong hash = OffsetBasis;
        unchecked
        {
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                hash = (hash ^ (byte)c) * Prime;
                hash = (hash ^ (byte)(c >> 8)) * Prime;
            }
        }
        return hash;
    }
}
