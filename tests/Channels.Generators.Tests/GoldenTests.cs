using Channels.Generators.Tests.Infrastructure;
using Xunit;

namespace Channels.Generators.Tests;

/// <summary>The generated text of representative contracts, compared with Golden/*.verified.cs.</summary>
public sealed class GoldenTests
{
    [Fact]
    public void LinkContractWithThreeLanes()
    {
        GeneratorResult result = GeneratorHarness.Run(Sources.Worker);
        result.AssertCompilesCleanly();
        Golden.Verify("Demo.IWorker", result.Sources["Demo.IWorker.g.cs"]);
        Golden.Verify("Worker.Formatters", result.Sources["Channels.Formatters.g.cs"]);
    }

    [Fact]
    public void QueueContract()
    {
        GeneratorResult result = GeneratorHarness.Run(Sources.JobBoard);
        result.AssertCompilesCleanly();
        Golden.Verify("Demo.IJobBoard", result.Sources["Demo.IJobBoard.g.cs"]);
    }

    [Fact]
    public void ChildEntries()
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(
            ("/src/Worker.cs", Sources.Worker), ("/src/Entries.cs", Sources.EntriesForWorker)));
        result.AssertCompilesCleanly();
        Golden.Verify("Channels.ChildEntries", result.Sources["Channels.ChildEntries.g.cs"]);
    }

    [Fact]
    public void ContractNestedInPartialTypes()
    {
        GeneratorResult result = GeneratorHarness.Run("""
            using System.Threading.Channels;
            using Channels;

            namespace Demo.Nested;

            public static partial class Outer
            {
                internal partial record Holder
                {
                    [ChannelContract]
                    internal partial interface IChat
                    {
                        ChannelWriter<string?> Say { get; }
                        ChannelReader<int[]> Heard { get; }
                    }
                }
            }
            """);
        result.AssertCompilesCleanly();
        Golden.Verify("Demo.Nested.Outer.Holder.IChat", result.Sources["Demo.Nested.Outer.Holder.IChat.g.cs"]);
    }

    [Fact]
    public void GoldenDiffShowsChangedLinesWithNumbersAndContext()
    {
        string diff = Golden.Diff("a\nb\nc\nd", "a\nx\nc\nd\ne");
        Assert.Equal("  0001 a\n- 0002 b\n+ 0002 x\n  0003 c\n  0004 d\n+ 0005 e\n", diff);
    }
}
