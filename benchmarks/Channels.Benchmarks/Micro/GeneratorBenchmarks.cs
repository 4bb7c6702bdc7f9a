using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Channels.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Channels.Benchmarks.Micro;

/// <summary>
/// How long the contract generator takes on a project of 200 contracts with 10 lanes each: a first (cold driver)
/// run, and the incremental run that follows an edit of an unrelated file, which must reuse cached results.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warmDriver = null!;
    private CSharpParseOptions _parseOptions = null!;

    /// <summary>Number of contracts.</summary>
    [Params(200)]
    public int Contracts { get; set; }

    /// <summary>Lanes per contract.</summary>
    [Params(10)]
    public int Lanes { get; set; }

    /// <summary>Builds the compilation and a driver that has already run once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(ContractCorpus.MessagesFile, _parseOptions, "Messages.cs") };
        foreach ((string path, string text) in ContractCorpus.Contracts(Contracts, Lanes))
        {
            trees.Add(CSharpSyntaxTree.ParseText(text, _parseOptions, path));
        }

        SyntaxTree unrelated = CSharpSyntaxTree.ParseText("namespace Corpus; internal static class Unrelated { internal const int Value = 1; }", _parseOptions, "Unrelated.cs");
        trees.Add(unrelated);
        _compilation = CSharpCompilation.Create(
            "Corpus",
            trees,
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        _edited = _compilation.ReplaceSyntaxTree(
            unrelated,
            CSharpSyntaxTree.ParseText("namespace Corpus; internal static class Unrelated { internal const int Value = 2; }", _parseOptions, "Unrelated.cs"));
        _warmDriver = CreateDriver().RunGenerators(_compilation);
        GeneratorDriverRunResult result = _warmDriver.GetRunResult();
        if (result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            throw new InvalidOperationException("the generator reported errors on the corpus: " + string.Join("; ", result.Diagnostics));
        }

        if (result.GeneratedTrees.Length < Contracts)
        {
            throw new InvalidOperationException($"the generator emitted {result.GeneratedTrees.Length} files for {Contracts} contracts");
        }
    }

    /// <summary>A fresh driver over the whole project (a clean build).</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver FirstRun() => CreateDriver().RunGenerators(_compilation);

    /// <summary>The driver of the previous run after an unrelated edit (what the IDE does on each keystroke).</summary>
    [Benchmark]
    public GeneratorDriver IncrementalRunAfterUnrelatedEdit() => _warmDriver.RunGenerators(_edited);

    private GeneratorDriver CreateDriver()
        => CSharpGeneratorDriver.Create(
            [new ContractGenerator().AsSourceGenerator()],
            parseOptions: _parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    private static ImmutableArray<MetadataReference> References()
    {
        var references = ImmutableArray.CreateBuilder<MetadataReference>();
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        foreach (string path in trusted.Split(Path.PathSeparator))
        {
            references.Add(MetadataReference.CreateFromFile(path));
        }

        references.Add(MetadataReference.CreateFromFile(typeof(global::Channels.ChannelContractAttribute).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(global::MemoryPack.MemoryPackSerializer).Assembly.Location));
        return references.ToImmutable();
    }
}
