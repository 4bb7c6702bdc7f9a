using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Channels.Generators.Tests.Infrastructure;

/// <summary>Runs the generator on a compilation whose options differ from the harness defaults.</summary>
internal static class CSharpCompilationOptionsEditor
{
    public static GeneratorResult Run(string source, NullableContextOptions nullable)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source);
        compilation = compilation.WithOptions(compilation.Options.WithNullableContextOptions(nullable));
        return GeneratorHarness.Run(compilation);
    }
}
