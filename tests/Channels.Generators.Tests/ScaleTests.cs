using System.Diagnostics;
using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Generators.Tests;

/// <summary>200 contracts of 10 lanes each: the output compiles with zero warnings. The time is reported, not asserted.</summary>
public sealed class ScaleTests(ITestOutputHelper output)
{
    [Fact]
    public void TwoHundredContractsOfTenLanesCompileWithoutWarnings()
    {
        var compilation = GeneratorHarness.CreateCompilation(ContractFactory.Contracts(200, 10));

        var cold = Stopwatch.StartNew();
        GeneratorResult result = GeneratorHarness.Run(compilation);
        cold.Stop();
        var warm = Stopwatch.StartNew();
        GeneratorHarness.Run(compilation);
        warm.Stop();

        Assert.Empty(result.ChannelsDiagnostics);
        Assert.Equal(201, result.Sources.Count);   // 200 contracts and the formatters
        result.AssertCompilesCleanly();
        output.WriteLine($"200 contracts x 10 lanes: generator run {cold.ElapsedMilliseconds} ms cold (JIT included), {warm.ElapsedMilliseconds} ms warm; driver-reported {result.Driver.GetTimingInfo().ElapsedTime.TotalMilliseconds:F0} ms.");
    }
}
