using Microsoft.CodeAnalysis;

namespace Channels.Generators.Helpers;

/// <summary>Compares a symbol with a metadata name without building strings (this runs for every lane and attribute).</summary>
internal static class SymbolNames
{
    /// <summary>Whether <paramref name="type"/> is <paramref name="metadataName"/> ("System.Threading.Channels.ChannelWriter`1", nested types joined with '+').</summary>
    public static bool Is(INamedTypeSymbol? type, string metadataName)
    {
        if (type is null)
            return false;
        int end = metadataName.Length;
        ISymbol current = type;
        while (true)
        {
            string part = current is INamedTypeSymbol named ? named.MetadataName : current.Name;
            int start = end - part.Length;
            if (start < 0 || string.CompareOrdinal(metadataName, start, part, 0, part.Length) != 0)
                return false;
            INamedTypeSymbol? containingType = current.ContainingType;
            ISymbol? parent = (ISymbol?)containingType ?? current.ContainingNamespace;
            if (parent is null || parent is INamespaceSymbol { IsGlobalNamespace: true })
                return start == 0;
            if (start == 0 || metadataName[start - 1] != (containingType is not null ? '+' : '.'))
                return false;
            end = start - 1;
            current = parent;
        }
    }
}
