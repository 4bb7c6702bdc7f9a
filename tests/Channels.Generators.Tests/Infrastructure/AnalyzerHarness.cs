using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Channels.Generators.Tests.Infrastructure;

/// <summary>Runs the generator and then the Channels analyzers over the generated compilation, as a user's build does.</summary>
internal static class AnalyzerHarness
{
    public static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new ChildEntryArgumentAnalyzer());

    /// <summary>The generator's diagnostics followed by the analyzers' diagnostics, plus the compilation's own errors.</summary>
    public static (ImmutableArray<Diagnostic> Channels, ImmutableArray<Diagnostic> CompilerErrors) Run(string source)
        => Run(GeneratorHarness.CreateCompilation(("/src/Contracts.cs", source)));

    /// <summary>The same for a compilation made by the caller (a program rather than a library, say).</summary>
    public static (ImmutableArray<Diagnostic> Channels, ImmutableArray<Diagnostic> CompilerErrors) Run(Microsoft.CodeAnalysis.CSharp.CSharpCompilation compilation)
    {
        GeneratorResult result = GeneratorHarness.Run(compilation);
        ImmutableArray<Diagnostic> analyzerDiagnostics = result.Compilation
            .WithAnalyzers(Analyzers)
            .GetAnalyzerDiagnosticsAsync()
            .GetAwaiter().GetResult();
        ImmutableArray<Diagnostic> errors = result.Compilation.GetDiagnostics().Where(static d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return (result.ChannelsDiagnostics.AddRange(analyzerDiagnostics), errors);
    }
}
