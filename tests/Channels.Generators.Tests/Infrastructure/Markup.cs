using Microsoft.CodeAnalysis.Text;

namespace Channels.Generators.Tests.Infrastructure;

/// <summary>Source text in which <c>[|...|]</c> marks the span a diagnostic must cover.</summary>
internal static class Markup
{
    public static (string Source, TextSpan Span) Parse(string markup)
    {
        int start = markup.IndexOf("[|", StringComparison.Ordinal);
        int end = markup.IndexOf("|]", StringComparison.Ordinal);
        if (start < 0 || end < start)
            throw new ArgumentException("Markup needs one [| |] span.", nameof(markup));
        string source = markup.Remove(end, 2).Remove(start, 2);
        return (source, TextSpan.FromBounds(start, end - 2));
    }
}
