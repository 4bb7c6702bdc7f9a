using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Channels.Generators.Tests.Infrastructure;

internal static class DiagnosticAssert
{
    /// <summary>Runs the generator on <paramref name="markup"/> and asserts exactly one Channels diagnostic: this ID, Error, on the marked span.</summary>
    public static Diagnostic Single(string id, string markup)
    {
        (string source, TextSpan span) = Markup.Parse(markup);
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(("/src/Contracts.cs", source)));
        Diagnostic diagnostic = Assert.Single(result.ChannelsDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("/src/Contracts.cs", diagnostic.Location.GetLineSpan().Path);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Equal(source.Substring(span.Start, span.Length), source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Equal("https://github.com/channels-dotnet/channels/blob/main/docs/diagnostics.md#" + id.ToLowerInvariant(), diagnostic.Descriptor.HelpLinkUri);
        return diagnostic;
    }

    /// <summary>Runs the generator and asserts no Channels diagnostic and a clean compile.</summary>
    public static GeneratorResult None(string source) => None(("/src/Contracts.cs", source));

    /// <summary>Runs the generator on several files and asserts no Channels diagnostic and a clean compile.</summary>
    public static GeneratorResult None(params (string Path, string Text)[] sources)
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources));
        Assert.Empty(result.ChannelsDiagnostics);
        result.AssertCompilesCleanly();
        return result;
    }
}
