using Channels.Generators.Tests.Infrastructure;
using Xunit;

namespace Channels.Generators.Tests;

public sealed class LinkContractTests
{
    [Fact]
    public void WorkerContractCompilesWithoutWarnings()
    {
        GeneratorResult result = GeneratorHarness.Run(Sources.Worker);
        Assert.Empty(result.ChannelsDiagnostics);
        Assert.Contains("Demo.IWorker.g.cs", result.Sources.Keys);
        Assert.Contains("Channels.Formatters.g.cs", result.Sources.Keys);
        result.AssertCompilesCleanly();
    }
}
