using System.Diagnostics;
using Channels.Generators.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Generators.Tests;

/// <summary>200 contracts of 10 lanes each: the output compiles with zero warnings. The time is reported, not asserted.</summary>
public sealed class ScaleTests(ITestOutputHelper output)
{
    [Fact]
    public void TwoHundredContractsOfTenLanesCompileWithoutWarnings()
    {
        // Warm the JIT (Roslyn's and ours) on a small, different compilation, so the measurement below is the
        // generator's work on a fresh compilation, as in an IDE session or a build server.
        var jit = Stopwatch.StartNew();
        GeneratorHarness.Run(GeneratorHarness.CreateCompilation(ContractFactory.Contracts(3, 10)));
        jit.Stop();

        var compilation = GeneratorHarness.CreateCompilation(ContractFactory.Contracts(200, 10));
        var fresh = Stopwatch.StartNew();
        GeneratorResult result = GeneratorHarness.Run(compilation);
        fresh.Stop();
        var again = Stopwatch.StartNew();
        GeneratorHarness.Run(compilation);
        again.Stop();

        // The share of the fresh run that is Roslyn binding declarations (work the build does anyway).
        var other = GeneratorHarness.CreateCompilation(ContractFactory.Contracts(200, 10));
        var declarations = Stopwatch.StartNew();
        other.GetDeclarationDiagnostics();
        declarations.Stop();
        var afterBinding = Stopwatch.StartNew();
        GeneratorHarness.Run(other);
        afterBinding.Stop();

        Assert.Empty(result.ChannelsDiagnostics);
        Assert.Equal(201, result.Sources.Count);   // 200 contracts and the formatters
        result.AssertCompilesCleanly();
        output.WriteLine($"200 contracts x 10 lanes: {fresh.ElapsedMilliseconds} ms on a fresh compilation (symbols bound by the generator), "
            + $"{again.ElapsedMilliseconds} ms for a new driver on the same compilation; on another fresh compilation Roslyn binds the declarations in "
            + $"{declarations.ElapsedMilliseconds} ms, then the generator takes {afterBinding.ElapsedMilliseconds} ms; first-ever run on 3 contracts with JIT: {jit.ElapsedMilliseconds} ms.");
    }
}
