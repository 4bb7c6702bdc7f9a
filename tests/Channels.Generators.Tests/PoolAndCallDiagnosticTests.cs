using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Channels.Generators.Tests;

/// <summary>The diagnostics of pool functions (CHN016–CHN019) and of call lanes, one test per ID, plus the clean cases.</summary>
public sealed class PoolAndCallDiagnosticTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Channels;
        using System.Threading.Tasks;
        using Channels;
        using MemoryPack;

        """;

    private const string Tasks = """
        public class Tasks
        {
            [PoolFunction] public static int Square(int x) => x * x;
            public static int Unmarked(int x) => x;
            public int Instance(int x) => x;
        }

        """;

    [Theory]
    [InlineData("pool.MapAsync([|x => x * x|], items)", "a lambda")]
    [InlineData("pool.ApplyAsync([|delegate (int x) { return x; }|], 1)", "a lambda")]
    [InlineData("pool.MapUnorderedAsync([|Tasks.Unmarked|], items)", "not marked [PoolFunction]")]
    [InlineData("pool.ApplyAsync([|new Tasks().Instance|], 1)", "the instance method 'Instance'")]
    [InlineData("pool.MapAsync([|function|], items)", "a delegate value")]
    public void CHN016_PoolFunctionNotMarked(string call, string problem)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN016", Usings + Tasks + """
            public static class Use
            {
                public static void Run(ProcessPool pool, int[] items, Func<int, int> function)
                {
                    _ =
            """ + " " + call + ";\n        }\n}\n");
        Assert.Contains(problem, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN016_NotReportedForAStaticPoolFunction()
        => DiagnosticAssert.None(Usings + Tasks + """
            public static class Use
            {
                public static async Task Run(ProcessPool pool, int[] items)
                {
                    int[] squares = await pool.MapAsync(Tasks.Square, items);
                    int one = await pool.ApplyAsync(Tasks.Square, 1);
                    await foreach (int square in pool.MapUnorderedAsync(Tasks.Square, items)) { }
                }
            }
            """);

    [Theory]
    [InlineData("[PoolFunction] public int [|Square|](int x) => x;", "is an instance method")]
    [InlineData("[PoolFunction] private static int [|Square|](int x) => x;", "must be internal or public")]
    public void CHN017_PoolFunctionNotStaticOrNotAccessible(string method, string problem)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN017", Usings + "public class Functions\n{\n    " + method + "\n}\n");
        Assert.Contains(problem, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN017_DuplicatePoolFunctionName()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN017", Usings + """
            public static class Functions
            {
                [PoolFunction] public static int Square(int x) => x * x;
                [PoolFunction] public static long [|Square|](long x) => x * x;
            }
            """);
        Assert.Contains("same name as another [PoolFunction]", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public static int [|Add|](int x, int y) => x + y;", "parameter(s)")]
    [InlineData("public static void [|Log|](string line) { }", "returns void")]
    [InlineData("public static Task<int> [|Later|](int x) => Task.FromResult(x);", "without a CancellationToken")]
    [InlineData("public static int [|Cancelable|](int x, CancellationToken token) => x;", "takes a CancellationToken but returns")]
    [InlineData("public static T [|Generic|]<T>(T x) => x;", "must not be generic")]
    [InlineData("public static int [|ByRef|](ref int x) => x;", "ref, out, in or params")]
    public void CHN018_PoolFunctionSignature(string method, string problem)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN018", Usings + "public static class Functions\n{\n    [PoolFunction] " + method + "\n}\n");
        Assert.Contains(problem, d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public static int Count([|IDisposable|] resource) => 1;", "parameter 'resource'")]
    [InlineData("public static [|Action|] Make(int x) => () => { };", "result")]
    [InlineData("public static async [|Task<IDisposable>|] Open(int x, CancellationToken token) { await Task.Yield(); return null!; }", "result")]
    public void CHN019_PoolFunctionNotSerializable(string method, string what)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN019", Usings + "public static class Functions\n{\n    [PoolFunction] " + method + "\n}\n");
        Assert.Contains("The " + what, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void PoolFunctionsWithPlainRecordsAndAsyncFunctionsAreRegisteredAndCompile()
    {
        GeneratorResult result = DiagnosticAssert.None(Usings + """
            public record Slice(int From, int To);

            public static class Functions
            {
                [PoolFunction] public static int Count(Slice slice) => slice.To - slice.From;
                [PoolFunction] public static async Task<Slice> Next(Slice slice, CancellationToken token) { await Task.Yield(); return new Slice(slice.To, slice.To + 1); }
            }
            """);
        string registry = result.Sources["Channels.PoolFunctions.g.cs"];
        Assert.Contains("Register<global::Slice, int>(\"Functions.Count\", global::Functions.Count);", registry, StringComparison.Ordinal);
        Assert.Contains("Register<global::Slice, global::Slice>(\"Functions.Next\", global::Functions.Next);", registry, StringComparison.Ordinal);
    }

    [Fact]
    public void CHN003_CallLaneResponseNotSerializable()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN003", Usings + """
            [ChannelContract]
            public partial interface IPricer
            {
                ChannelCall<int, [|IDisposable|]> Price { get; }
            }
            """);
        Assert.Contains("'Price'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CallLanesCompileWithTheCallerOnTheOpenerAndTheServerOnThePeer()
    {
        GeneratorResult result = DiagnosticAssert.None(Usings + """
            public record Quote(string Pair, int Amount);

            [ChannelContract]
            public partial interface IPricer
            {
                ChannelCall<Quote, decimal> Price { get; }
                ChannelReader<string> Log { get; }
            }

            public static class Use
            {
                public static async Task<decimal> Call(IPricer pricer) => await pricer.Price.CallAsync(new Quote("EURUSD", 1_000));

                public static Task Serve(IPricer.Peer peer) => peer.Price.ServeAsync((quote, _) => new ValueTask<decimal>(quote.Amount * 1.1m));
            }
            """);
        string contract = result.Sources["IPricer.g.cs"];
        Assert.Contains("new(\"Price\", global::Channels.Contracts.LaneDirection.OpenerToPeer", contract, StringComparison.Ordinal);
        Assert.Contains("new(\"Price.Responses\", global::Channels.Contracts.LaneDirection.PeerToOpener", contract, StringComparison.Ordinal);
        Assert.Contains("Log = link.CreateReader(2,", contract, StringComparison.Ordinal);
    }
}
