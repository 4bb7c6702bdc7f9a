using System.Collections.Immutable;
using System.Reflection;
using Channels.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Channels.Generators.Tests.Infrastructure;

/// <summary>Builds user compilations against the BCL, the runtime and MemoryPack, and runs the generator on them.</summary>
internal static class GeneratorHarness
{
    /// <summary>As the SDK parses a net10.0 project (MemoryPack's generator reads the NETx_0_OR_GREATER symbols).</summary>
    public static readonly CSharpParseOptions ParseOptions = new(
        LanguageVersion.Latest,
        DocumentationMode.Diagnose,
        preprocessorSymbols: new[]
        {
            "NET", "NET10_0", "NETCOREAPP", "NETCOREAPP3_0_OR_GREATER", "NETCOREAPP3_1_OR_GREATER", "NET5_0_OR_GREATER", "NET6_0_OR_GREATER",
            "NET7_0_OR_GREATER", "NET8_0_OR_GREATER", "NET9_0_OR_GREATER", "NET10_0_OR_GREATER",
        });

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary>Sources are (path, text); paths matter for lane order and diagnostics.</summary>
    public static CSharpCompilation CreateCompilation(params (string Path, string Text)[] sources)
    {
        var trees = new List<SyntaxTree>();
        foreach ((string path, string text) in sources)
            trees.Add(CSharpSyntaxTree.ParseText(text, ParseOptions, path));
        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            allowUnsafe: false,
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
            {
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            });
        return CSharpCompilation.Create("UserAssembly" + Guid.NewGuid().ToString("N"), trees, References, options);
    }

    public static CSharpCompilation CreateCompilation(string source) => CreateCompilation(("/src/Contracts.cs", source));

    public static GeneratorDriver CreateDriver(bool withMemoryPack = false)
    {
        var generators = new List<ISourceGenerator> { new ContractGenerator().AsSourceGenerator() };
        if (withMemoryPack)
            generators.Add(LoadMemoryPackGenerator());
        return CSharpGeneratorDriver.Create(
            generators,
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
    }

    public static GeneratorResult Run(CSharpCompilation compilation, bool withMemoryPack = false)
    {
        GeneratorDriver driver = CreateDriver(withMemoryPack).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        return new GeneratorResult(driver, (CSharpCompilation)output, generatorDiagnostics);
    }

    public static GeneratorResult Run(string source, bool withMemoryPack = false) => Run(CreateCompilation(source), withMemoryPack);

    private static ISourceGenerator LoadMemoryPackGenerator()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "analyzers", "MemoryPack.Generator.dll");
        Assembly assembly = Assembly.LoadFrom(path);
        foreach (Type type in assembly.GetTypes())
        {
            if (type.GetCustomAttribute<GeneratorAttribute>() is null || type.IsAbstract)
                continue;
            object instance = Activator.CreateInstance(type)!;
            return instance is IIncrementalGenerator incremental ? incremental.AsSourceGenerator() : (ISourceGenerator)instance;
        }
        throw new InvalidOperationException("No generator found in " + path);
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        foreach (string path in trusted.Split(Path.PathSeparator))
        {
            string name = Path.GetFileName(path);
            // The BCL only: the test process also trusts Roslyn, xunit and our own assemblies.
            if (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll" or "Microsoft.Win32.Primitives.dll")
                paths.Add(path);
        }
        paths.Add(typeof(Channels.ChannelContractAttribute).Assembly.Location);
        paths.Add(typeof(MemoryPack.MemoryPackSerializer).Assembly.Location);
        var references = ImmutableArray.CreateBuilder<MetadataReference>(paths.Count);
        foreach (string path in paths)
            references.Add(MetadataReference.CreateFromFile(path));
        return references.ToImmutable();
    }
}
