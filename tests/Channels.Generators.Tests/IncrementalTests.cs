using System.Collections;
using System.Reflection;
using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Channels.Generators.Tests;

/// <summary>
/// The pipeline caches: an edit that does not touch a contract leaves every tracked step Cached/Unchanged; an
/// equivalent edit of a contract file leaves its output unchanged; a real edit modifies it; and no step output
/// holds a symbol, syntax node or compilation (which would defeat caching and hold compilations alive).
/// </summary>
public sealed class IncrementalTests
{
    /// <summary>Every tracking name the generator declares (read by reflection, so a new step is covered automatically).</summary>
    private static readonly string[] OurSteps = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(static f => (string)f.GetValue(null)!)
        .ToArray();

    private const string Unrelated = """
        namespace Scale;
        public static class Helper
        {
            public static int Twice(int x) => x * 2;
        }
        """;

    /// <summary>A contract that generates and also reports a diagnostic, so that the diagnostics step has output.</summary>
    private const string WithDiagnostic = """
        using System.Threading.Channels;
        using Channels;

        namespace Scale.Flagged;

        [ChannelContract]
        public partial interface IFlagged
        {
            [Queue(Capacity = 1)] ChannelWriter<int> Numbers { get; }
        }
        """;

    /// <summary>A pool function, a call that passes it and one that passes a lambda, so that every pool step has output.</summary>
    private const string Pool = """
        using System.Threading.Tasks;
        using Channels;

        namespace Scale.Pool;

        public record Slice(int From, int To);

        public static class Functions
        {
            [PoolFunction] public static int Width(Slice slice) => slice.To - slice.From;
            [PoolFunction] public static int Square(int x) => x * x;
            [PoolFunction] public static int Square(long x) => (int)x;

            public static async Task Use(ProcessPool pool)
            {
                _ = await pool.ApplyAsync(Square, 2);
                _ = await pool.ApplyAsync(x => x, 2);
            }
        }
        """;

    private static (CSharpCompilation Compilation, GeneratorDriver Driver) FiftyContracts()
    {
        var sources = new List<(string, string)>(ContractFactory.Contracts(50, 3))
        {
            ("/src/Unrelated.cs", Unrelated),
            ("/src/Worker.cs", Sources.Worker),
            ("/src/Entries.cs", Sources.EntriesForWorker),
            ("/src/WithWarning.cs", WithDiagnostic),
            ("/src/Pool.cs", Pool),
        };
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(sources.ToArray());
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        return (compilation, driver);
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, string path, Func<string, string> edit)
    {
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == path);
        SyntaxTree updated = CSharpSyntaxTree.ParseText(edit(old.ToString()), GeneratorHarness.ParseOptions, path);
        return compilation.ReplaceSyntaxTree(old, updated);
    }

    [Fact]
    public void EditingAnUnrelatedFileLeavesEveryStepCached()
    {
        (CSharpCompilation compilation, GeneratorDriver driver) = FiftyContracts();
        CSharpCompilation edited = Replace(compilation, "/src/Unrelated.cs", static text => text.Replace("x * 2", "x + x", StringComparison.Ordinal));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results[0];

        foreach (string step in OurSteps)
        {
            Assert.True(second.TrackedSteps.ContainsKey(step), "step " + step + " is not tracked");
            foreach (IncrementalGeneratorRunStep run in second.TrackedSteps[step])
            {
                foreach ((object _, IncrementalStepRunReason reason) in run.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {step}: {reason}");
            }
        }
        foreach ((string name, System.Collections.Immutable.ImmutableArray<IncrementalGeneratorRunStep> runs) in second.TrackedOutputSteps)
        {
            foreach (IncrementalGeneratorRunStep run in runs)
            {
                foreach ((object _, IncrementalStepRunReason reason) in run.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output {name}: {reason}");
            }
        }
    }

    [Fact]
    public void AddingAnUnrelatedFileDoesNotRegenerateContracts()
    {
        (CSharpCompilation compilation, GeneratorDriver driver) = FiftyContracts();
        CSharpCompilation added = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other; public sealed class Extra { }", GeneratorHarness.ParseOptions, "/src/Extra.cs"));
        GeneratorRunResult second = driver.RunGenerators(added).GetRunResult().Results[0];
        foreach (string step in OurSteps)
        {
            Assert.All(Reasons(second, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {step}: {r}"));
            Assert.NotEmpty(Reasons(second, step));
        }
        Assert.Equal(55, second.GeneratedSources.Length);   // 52 contracts, the formatters, the child-entry and the pool-function registries
    }

    [Fact]
    public void AnEquivalentEditOfAContractLeavesItsOutputUnchanged()
    {
        (CSharpCompilation compilation, GeneratorDriver driver) = FiftyContracts();
        string before = driver.GetRunResult().Results[0].GeneratedSources.Single(s => s.HintName == "Scale.N7.IContract7.g.cs").SourceText.ToString();
        CSharpCompilation edited = Replace(compilation, "/src/Scale/Contract7.cs", static text => text.Replace("{ get; }", "{ get; }   // a comment", StringComparison.Ordinal) + "\n// trailing\n");
        GeneratorDriver after = driver.RunGenerators(edited);
        GeneratorRunResult second = after.GetRunResult().Results[0];

        List<IncrementalStepRunReason> results = Reasons(second, TrackingNames.ContractResults);
        Assert.Contains(IncrementalStepRunReason.Unchanged, results);
        Assert.DoesNotContain(IncrementalStepRunReason.Modified, results);
        Assert.DoesNotContain(IncrementalStepRunReason.Modified, Reasons(second, TrackingNames.Contracts));
        Assert.Equal(before, second.GeneratedSources.Single(s => s.HintName == "Scale.N7.IContract7.g.cs").SourceText.ToString());
    }

    [Fact]
    public void ARealEditOfAContractModifiesOnlyItsOutput()
    {
        (CSharpCompilation compilation, GeneratorDriver driver) = FiftyContracts();
        CSharpCompilation edited = Replace(compilation, "/src/Scale/Contract7.cs", static text => text.Replace("Lane1 ", "Renamed ", StringComparison.Ordinal));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results[0];

        List<IncrementalStepRunReason> contracts = Reasons(second, TrackingNames.Contracts);
        Assert.Equal(1, contracts.Count(static r => r == IncrementalStepRunReason.Modified));
        Assert.Equal(contracts.Count - 1, contracts.Count(static r => r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("Renamed", second.GeneratedSources.Single(s => s.HintName == "Scale.N7.IContract7.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MovingAChildEntryDoesNotReEmitTheRegistry()
    {
        (CSharpCompilation compilation, GeneratorDriver driver) = FiftyContracts();
        CSharpCompilation edited = Replace(compilation, "/src/Entries.cs", static text => "// moved down by a line\n" + text);
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results[0];
        Assert.DoesNotContain(IncrementalStepRunReason.Modified, Reasons(second, TrackingNames.Entries));
        Assert.DoesNotContain(IncrementalStepRunReason.New, Reasons(second, TrackingNames.Entries));
    }

    [Fact]
    public void ChangingAMessageShapeModifiesTheContract()
    {
        (CSharpCompilation compilation, GeneratorDriver driver) = FiftyContracts();
        CSharpCompilation edited = Replace(compilation, "/src/Scale/Contract3.cs", static text => text.Replace("long Size", "int Size", StringComparison.Ordinal));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results[0];
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, TrackingNames.Contracts));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(second, TrackingNames.Formatters));
    }

    [Fact]
    public void NoStepOutputHoldsSymbolsSyntaxOrCompilations()
    {
        (CSharpCompilation compilation, GeneratorDriver driver) = FiftyContracts();
        GeneratorRunResult first = driver.GetRunResult().Results[0];
        foreach (string step in OurSteps)
        {
            foreach (IncrementalGeneratorRunStep run in first.TrackedSteps[step])
            {
                foreach ((object value, IncrementalStepRunReason _) in run.Outputs)
                    AssertNoRoslynObjects(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static List<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step)
    {
        var reasons = new List<IncrementalStepRunReason>();
        foreach (IncrementalGeneratorRunStep run in result.TrackedSteps[step])
        {
            foreach ((object _, IncrementalStepRunReason reason) in run.Outputs)
                reasons.Add(reason);
        }
        return reasons;
    }

    private static void AssertNoRoslynObjects(object? value, string path, HashSet<object> seen)
    {
        if (value is null)
            return;
        Type type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is string)
            return;
        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree or Location,
            $"{path} holds a {type.FullName}");
        if (!type.IsValueType && !seen.Add(value))
            return;
        if (value is IEnumerable sequence)
        {
            int i = 0;
            foreach (object? item in sequence)
                AssertNoRoslynObjects(item, $"{path}[{i++}]", seen);
            return;
        }
        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                AssertNoRoslynObjects(field.GetValue(value), path + "." + field.Name, seen);
        }
    }
}
