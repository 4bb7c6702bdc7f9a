using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Channels.Generators.Tests.Infrastructure;

/// <summary>What one generator run produced: the driver (for a second, incremental run), the updated compilation and diagnostics.</summary>
internal sealed record GeneratorResult(GeneratorDriver Driver, CSharpCompilation Compilation, ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    public GeneratorRunResult RunResult => Driver.GetRunResult().Results[0];

    /// <summary>The Channels generator's output, by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources
    {
        get
        {
            var sources = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (GeneratedSourceResult source in RunResult.GeneratedSources)
                sources[source.HintName] = source.SourceText.ToString();
            return sources;
        }
    }

    /// <summary>The Channels generator's diagnostics (CHN...).</summary>
    public ImmutableArray<Diagnostic> ChannelsDiagnostics => RunResult.Diagnostics;

    /// <summary>Errors and warnings of the compilation including the generated code (CS1591 only in generated files: test sources carry no XML docs).</summary>
    public IReadOnlyList<Diagnostic> CompilationProblems()
    {
        var problems = new List<Diagnostic>();
        foreach (Diagnostic diagnostic in Compilation.GetDiagnostics())
        {
            if (diagnostic.Severity < DiagnosticSeverity.Warning)
                continue;
            if (diagnostic.Id == "CS1591" && !IsGenerated(diagnostic.Location))
                continue;
            problems.Add(diagnostic);
        }
        return problems;
    }

    public void AssertCompilesCleanly()
    {
        Xunit.Assert.Empty(GeneratorDiagnostics);
        IReadOnlyList<Diagnostic> problems = CompilationProblems();
        if (problems.Count > 0)
        {
            string listing = string.Join("\n", problems.Select(static d => d.ToString()));
            string generated = string.Join("\n\n", Sources.Select(static s => "// ==== " + s.Key + "\n" + Numbered(s.Value)));
            Xunit.Assert.Fail("The compilation with generated code has problems:\n" + listing + "\n\n" + generated);
        }
    }

    private static bool IsGenerated(Location location) => location.SourceTree?.FilePath.Contains("Channels.Generators", StringComparison.Ordinal) == true;

    private static string Numbered(string text)
    {
        string[] lines = text.Split('\n');
        return string.Join("\n", lines.Select(static (line, i) => (i + 1).ToString("D4", System.Globalization.CultureInfo.InvariantCulture) + " " + line));
    }
}
