using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Channels.Generators.Tests;

/// <summary>
/// CHN022: what is passed as the entry of ChildProcess.StartAsync must be a static [ChildEntry] method. Each wrong
/// shape gives CHN022 at the argument, and nothing else: in particular not CS0121 for an async lambda.
/// </summary>
public sealed class ChildEntryArgumentTests
{
    private const string Prelude = """
        using System;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        using Channels;

        [ChannelContract]
        public partial interface IWorker
        {
            ChannelWriter<int> Jobs { get; }
        }

        [ChannelContract]
        public partial interface IBoard
        {
            ProcessQueue<int> Items { get; }
        }

        public static class Entries
        {
            [ChildEntry] public static Task Run(IWorker.Peer parent, CancellationToken ct) => Task.CompletedTask;
            [ChildEntry] public static ValueTask RunValue(IWorker.Peer parent, CancellationToken ct) => default;
            [ChildEntry] public static void Get(IBoard board, string name) { }
            public static Task NotAnEntry(IWorker.Peer parent, CancellationToken ct) => Task.CompletedTask;
        }

        public sealed class Launcher
        {
            public Task InstanceRun(IWorker.Peer parent, CancellationToken ct) => Task.CompletedTask;

            public async Task StartAsync(IWorker.Peer child, IBoard board)
            {

        """;

    private const string Epilogue = """

            }
        }
        """;

    [Theory]
    [InlineData("await ChildProcess.StartAsync(child, [|async (parent, ct) => await Task.Yield()|]);", "The child entry is a lambda")]
    [InlineData("await ChildProcess.StartAsync(child, [|async parent => await Task.Delay(1)|]);", "The child entry is a lambda")]
    [InlineData("await ChildProcess.StartAsync(child, [|(parent, ct) => Task.CompletedTask|]);", "The child entry is a lambda")]
    [InlineData("await ChildProcess.StartAsync(child, [|(parent, ct) => { }|]);", "The child entry is a lambda")]
    [InlineData("await ChildProcess.StartAsync(board, [|async (b, name, ct) => await Task.Yield()|], \"getter\");", "The child entry is a lambda")]
    [InlineData("await ChildProcess.StartAsync(child, [|static async (parent, ct) => { await Task.Yield(); return 3; }|]);", "The child entry is a lambda")]
    public void CHN022_Lambda(string statement, string expected) => AssertChn022(statement, expected);

    [Fact]
    public void CHN022_LocalFunction()
        => AssertChn022(
            "static Task Local(IWorker.Peer parent, CancellationToken ct) => Task.CompletedTask;\nawait ChildProcess.StartAsync(child, [|Local|]);",
            "The child entry 'Local' is a local function");

    [Fact]
    public void CHN022_InstanceMethod()
        => AssertChn022("await ChildProcess.StartAsync(child, [|InstanceRun|]);", "The child entry 'InstanceRun' is an instance method");

    [Fact]
    public void CHN022_MethodWithoutChildEntry()
        => AssertChn022("await ChildProcess.StartAsync(child, [|Entries.NotAnEntry|]);", "The child entry 'NotAnEntry' is not marked [ChildEntry]");

    [Fact]
    public void CHN022_NamedArgumentIsReportedAtItsValue()
        => AssertChn022("await ChildProcess.StartAsync(child, entry: [|Entries.NotAnEntry|]);", "'NotAnEntry' is not marked [ChildEntry]");

    [Theory]
    [InlineData("await ChildProcess.StartAsync(child, Entries.Run);")]
    [InlineData("await ChildProcess.StartAsync(child, Entries.RunValue);")]
    [InlineData("await ChildProcess.StartAsync(board, Entries.Get, \"getter\");")]
    [InlineData("Func<IWorker.Peer, CancellationToken, Task> entry = Entries.Run;\nawait ChildProcess.StartAsync(child, entry);")]
    public void CHN022_NotReportedForAStaticChildEntry(string statement)
    {
        (var channels, var errors) = AnalyzerHarness.Run(Prelude + statement + Epilogue);
        Assert.Empty(channels);
        Assert.Empty(errors);
    }

    private static void AssertChn022(string statement, string expected)
    {
        (string source, TextSpan span) = Markup.Parse(Prelude + statement + Epilogue);
        (var channels, var errors) = AnalyzerHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(channels);
        Assert.Equal("CHN022", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Contains(expected, diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("pass a static method marked [ChildEntry]", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal("https://github.com/channels-dotnet/channels/blob/main/docs/diagnostics.md#chn022", diagnostic.Descriptor.HelpLinkUri);
        // CHN022 is what the user sees: the call itself binds (no CS0121 between the Task and ValueTask overloads).
        Assert.Empty(errors);
    }
}
