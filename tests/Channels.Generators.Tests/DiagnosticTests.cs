using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Channels.Generators.Tests;

/// <summary>One test per diagnostic ID (named after it) asserting ID, severity and exact span, plus the negative cases.</summary>
public sealed class DiagnosticTests
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

    [Fact]
    public void CHN001_ContractNotPartial()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN001", Usings + """
            [ChannelContract]
            public interface [|IWorker|]
            {
                ChannelWriter<int> Jobs { get; }
            }
            """);
        Assert.Contains("'IWorker' must be declared partial", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN002_UnsupportedMember_Method()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN002", Usings + """
            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
                void [|Run|]();
            }
            """);
        Assert.Contains("methods are not lanes", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ChannelWriter<int> [|Jobs|] { get; set; }", "a lane has no setter")]
    [InlineData("static ChannelWriter<int> [|Jobs|] { get => null!; }", "static members are not lanes")]
    [InlineData("List<int> [|Jobs|] { get; }", "is not ChannelReader<T>, ChannelWriter<T>, ChannelCall<TRequest, TResponse> or ProcessQueue<T>")]
    [InlineData("event EventHandler [|Jobs|];", "events are not lanes")]
    [InlineData("ChannelWriter<int> [|this|][int i] { get; }", "indexers are not lanes")]
    [InlineData("ChannelWriter<int> [|Jobs|] => null!;", "a lane has no implementation in the contract")]
    public void CHN002_UnsupportedMember_Shapes(string member, string reason)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN002", Usings + "[ChannelContract]\npublic partial interface IWorker\n{\n    " + member + "\n}\n");
        Assert.Contains(reason, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN003_MessageNotSerializable()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN003", Usings + """
            public interface IShape { }

            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<[|IShape|]> Shapes { get; }
            }
            """);
        Assert.Contains("'Shapes' cannot be serialized: IShape: interface without [MemoryPackUnion]", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN003_NamesThePathThreeLevelsDown()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN003", Usings + """
            public interface ILocation { }
            public record Address(string City, ILocation Location);
            public record Customer(string Name, Address Address);
            public record Order(int Id, Customer Customer);

            [ChannelContract]
            public partial interface IShop
            {
                ChannelWriter<int> Pings { get; }
                ChannelWriter<[|Order|]> Orders { get; }
            }
            """);
        Assert.Contains("Order.Customer.Address.Location: interface without [MemoryPackUnion]", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("public record Holder(object Value);", "Holder.Value: 'object' is not serializable")]
    [InlineData("public record Holder(List<Action> Callbacks);", "Holder.Callbacks[]: delegate type is not serializable")]
    [InlineData("public abstract record Base(int Id); public record Holder(Base[] Items);", "Holder.Items[]: abstract class without [MemoryPackUnion]")]
    [InlineData("public class Holder { public Holder(int x) { } public int Y { get; set; } }", "Holder: no public constructor whose parameters match")]
    [InlineData("public record Holder(Dictionary<string, IDisposable> Map);", "Holder.Map[]: interface without [MemoryPackUnion]")]
    [InlineData("public record Holder(int? Count, Holder.Inner? Next) { public record Inner(IComparable Bad); }", "Holder.Next.Bad: interface without [MemoryPackUnion]")]
    public void CHN003_WalksCollectionsNullablesAndConstructors(string types, string path)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN003", Usings + types + """

            [ChannelContract]
            public partial interface IWorker
            {
                ChannelReader<[|Holder|]> Items { get; }
            }
            """);
        Assert.Contains(path, d.GetMessage(), StringComparison.Ordinal);
    }

    /// <summary>The advice fits the type: [MemoryPackable] or [MemoryPackUnion] only where they can work.</summary>
    [Theory]
    [InlineData("public record Upload(string Name, System.IO.Stream Data);", "Upload", "Upload.Data: a Stream is a handle to data, not data; send its bytes as byte[] or ReadOnlyMemory<byte>")]
    [InlineData("public sealed class Upload : System.IO.MemoryStream { }", "Upload", "Upload: a Stream is a handle to data, not data; send its bytes as byte[] or ReadOnlyMemory<byte>")]
    [InlineData("public record Job(int Id, Func<int, int> Step);", "Job", "Job.Step: delegate type is not serializable; code does not cross processes: send the data it would act on")]
    [InlineData("public interface IShape { } public record Job(IShape Shape);", "Job", "Job.Shape: interface without [MemoryPackUnion]; add [MemoryPackUnion] to it for each implementation")]
    [InlineData("public record Job(IDisposable Handle);", "Job", "Job.Handle: interface without [MemoryPackUnion]; use a concrete serializable type")]
    [InlineData("public abstract class Shape { } public record Job(Shape Shape);", "Job", "Job.Shape: abstract class without [MemoryPackUnion]; add [MemoryPackUnion] to it for each implementation")]
    [InlineData("public class Job { private Job() { } public int Id { get; set; } }", "Job", "Job: no public constructor whose parameters match its public members, and no parameterless constructor; mark it [MemoryPackable] and partial, or make it plain data")]
    [InlineData("public record Job(Thread Worker);", "Job", "Job.Worker: no public constructor whose parameters match its public members, and no parameterless constructor; it is not plain data")]
    public void CHN003_AdviceFitsTheOffendingType(string types, string message, string expected)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN003", Usings + types
            + "\n[ChannelContract]\npublic partial interface IWorker\n{\n    ChannelWriter<[|" + message + "|]> Items { get; }\n}\n");
        Assert.Contains(expected, d.GetMessage(), StringComparison.Ordinal);
        if (expected.Contains("Stream", StringComparison.Ordinal) || expected.Contains("delegate", StringComparison.Ordinal) || expected.Contains("concrete", StringComparison.Ordinal))
        {
            Assert.DoesNotContain("[MemoryPackable]", d.GetMessage(), StringComparison.Ordinal);
            Assert.DoesNotContain("add [MemoryPackUnion]", d.GetMessage(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CHN003_RecursiveTypesAreFine()
    {
        DiagnosticAssert.None(Usings + """
            namespace Demo;
            public record Node(int Value, Node? Next, List<Node> Children);
            public class Base { public int Id { get; set; } }
            public sealed class Derived : Base { public string Name { get; set; } = ""; }

            [ChannelContract]
            public partial interface ITree
            {
                ChannelWriter<Node> Nodes { get; }
                ChannelReader<Derived> Derived { get; }
                ChannelReader<Dictionary<string, Node[]>> Index { get; }
            }
            """);
    }

    [Fact]
    public void CHN003_ChildEntryArgumentNotSerializable()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN003", Usings + """
            public record Settings(string Name, IServiceProvider Services);

            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
            }

            public static class Entries
            {
                [ChildEntry] public static Task Run(IWorker.Peer peer, [|Settings|] settings) => Task.CompletedTask;
            }
            """);
        Assert.Contains("'settings' cannot be serialized: Settings.Services: interface without [MemoryPackUnion]", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN004_NoLanes()
    {
        DiagnosticAssert.Single("CHN004", Usings + """
            [ChannelContract]
            public partial interface [|IEmpty|]
            {
            }
            """);
    }

    [Theory]
    [InlineData("Definition")]
    [InlineData("Peer")]
    [InlineData("CreatePipe")]
    [InlineData("DisposeAsync")]
    [InlineData("__Opener")]
    public void CHN005_ReservedLaneName(string name)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN005", Usings + "[ChannelContract]\npublic partial interface IWorker\n{\n    ChannelWriter<int> [|" + name + "|] { get; }\n}\n");
        Assert.Contains("takes a name the generator uses", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN006_TooManyLanes()
    {
        var lanes = new System.Text.StringBuilder();
        for (int i = 0; i <= ushort.MaxValue; i++)
            lanes.Append("    ChannelWriter<int> L").Append(i).Append(" { get; }\n");
        Diagnostic d = DiagnosticAssert.Single("CHN006", Usings + "[ChannelContract]\npublic partial interface [|IHuge|]\n{\n" + lanes + "}\n");
        Assert.Contains("65536 lanes", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN007_GenericContract()
    {
        DiagnosticAssert.Single("CHN007", Usings + """
            [ChannelContract]
            public partial interface IWorker[|<T>|]
            {
                ChannelWriter<T> Jobs { get; }
            }
            """);
    }

    [Theory]
    [InlineData("public static Task [|Run|](string name) => Task.CompletedTask;", "takes 'string' as its endpoint")]
    [InlineData("public static string [|Run|](IWorker.Peer peer) => \"\";", "returns 'string'")]
    [InlineData("public static Task [|Run|](IWorker worker) => Task.CompletedTask;", "declare the parameter as 'IWorker.Peer'")]
    [InlineData("public static Task [|Run|](IWorker.Peer peer, CancellationToken ct, string name) => Task.CompletedTask;", "CancellationToken before the argument")]
    [InlineData("public static Task [|Run|](IWorker.Peer peer, string a, string b) => Task.CompletedTask;", "more than one argument")]
    [InlineData("public static Task [|Run|](IWorker.Peer peer, ref int x) => Task.CompletedTask;", "ref, out, in or params")]
    [InlineData("public static Task [|Run|]<T>(IWorker.Peer peer) => Task.CompletedTask;", "must not be generic")]
    [InlineData("public static async void [|Run|](IWorker.Peer peer) => await Task.Yield();", "async void")]
    [InlineData("public static Task<string> [|Run|](IWorker.Peer peer) => Task.FromResult(\"\");", "returns 'System.Threading.Tasks.Task<string>'")]
    public void CHN008_ChildEntrySignature(string method, string problem)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN008", Usings + """
            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
            }

            public static class Entries
            {
                [ChildEntry]

            """ + "    " + method + "\n}\n");
        Assert.Contains(problem, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN009_QueueOnLinkLane()
    {
        DiagnosticAssert.Single("CHN009", Usings + """
            [ChannelContract]
            public partial interface IWorker
            {
                [[|Queue(Capacity = 2)|]] ChannelWriter<int> Jobs { get; }
            }
            """);
    }

    [Fact]
    public void CHN010_NegativeQueueCapacity()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN010", Usings + """
            [ChannelContract]
            public partial interface IBoard
            {
                [Queue([|Capacity = -1|])] ProcessQueue<int> Jobs { get; }
            }
            """);
        Assert.Contains("capacity -1 of lane 'Jobs'", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("private")]
    [InlineData("protected")]
    public void CHN011_ContractNotAccessible(string accessibility)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN011", Usings + "public partial class Outer\n{\n    [ChannelContract]\n    " + accessibility + " partial interface [|IWorker|]\n    {\n        ChannelWriter<int> Jobs { get; }\n    }\n}\n");
        Assert.Contains("is " + accessibility, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN011_FileLocalContract()
    {
        DiagnosticAssert.Single("CHN011", Usings + """
            [ChannelContract]
            file partial interface [|IWorker|]
            {
                ChannelWriter<int> Jobs { get; }
            }
            """);
    }

    [Fact]
    public void CHN012_MixedLaneKinds()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN012", Usings + """
            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
                ProcessQueue<int> [|Backlog|] { get; }
                ChannelReader<int> Results { get; }
            }
            """);
        Assert.Contains("'Backlog' of contract 'IWorker' is a queue lane", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN013_ContainingTypeNotPartial()
    {
        DiagnosticAssert.Single("CHN013", Usings + """
            public class Outer
            {
                [ChannelContract]
                public partial interface [|IWorker|]
                {
                    ChannelWriter<int> Jobs { get; }
                }
            }
            """);
    }

    [Theory]
    [InlineData("public Task [|Run|](IWorker.Peer peer) => Task.CompletedTask;", "must be static")]
    [InlineData("private static Task [|Run|](IWorker.Peer peer) => Task.CompletedTask;", "must be internal or public")]
    public void CHN014_ChildEntryNotStaticOrNotAccessible(string method, string problem)
    {
        Diagnostic d = DiagnosticAssert.Single("CHN014", Usings + """
            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
            }

            public class Entries
            {
                [ChildEntry]

            """ + "    " + method + "\n}\n");
        Assert.Contains(problem, d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN014_LocalFunctionEntry()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN014", Usings + """
            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
            }

            public static class Entries
            {
                public static void Outer()
                {
                    [ChildEntry] static Task [|Run|](IWorker.Peer peer) => Task.CompletedTask;
                    _ = Run(null!);
                }
            }
            """);
        Assert.Contains("is a local function", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN014_DuplicateChildEntryName()
    {
        Diagnostic d = DiagnosticAssert.Single("CHN014", Usings + """
            namespace Demo;

            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
            }

            public static class Entries
            {
                [ChildEntry] public static Task Run(IWorker.Peer peer) => Task.CompletedTask;
                [ChildEntry] public static Task [|Run|](IWorker.Peer peer, string name) => Task.CompletedTask;
            }
            """);
        Assert.Contains("Demo.Entries.Run", d.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void CHN015_ContractInheritsMembers()
    {
        DiagnosticAssert.Single("CHN015", Usings + """
            public interface IBase
            {
                ChannelWriter<int> Jobs { get; }
            }

            [ChannelContract]
            public partial interface IWorker [|: IBase|]
            {
                ChannelReader<int> Results { get; }
            }
            """);
    }

    [Fact]
    public void ValidLinkContractHasNoDiagnostics() => DiagnosticAssert.None(Sources.Worker);

    [Fact]
    public void ValidQueueContractHasNoDiagnostics() => DiagnosticAssert.None(Sources.JobBoard);

    [Fact]
    public void ValidChildEntriesHaveNoDiagnostics()
    {
        GeneratorResult result = DiagnosticAssert.None(("/src/Worker.cs", Sources.Worker), ("/src/Entries.cs", Sources.EntriesForWorker));
        Assert.Contains("Channels.ChildEntries.g.cs", result.Sources.Keys);
    }

    [Fact]
    public void NestedContractInPartialTypesAndMarkerBaseInterfacesAreValid()
    {
        DiagnosticAssert.None(Usings + """
            namespace Demo;
            public interface IMarker { }
            public static partial class Outer
            {
                internal partial class Inner
                {
                    [ChannelContract]
                    internal partial interface IWorker : IMarker, IAsyncDisposable
                    {
                        ChannelWriter<int> Jobs { get; }
                        ChannelReader<string?> Names { get; }
                        ChannelReader<int[]> Batches { get; }
                    }
                }
            }
            """);
    }

    [Fact]
    public void EveryDescriptorHasIdTitleMessageAndHelpLink()
    {
        var ids = new HashSet<string>();
        foreach (DiagnosticDescriptor descriptor in DiagnosticDescriptors.All)
        {
            Assert.Matches("^CHN0[0-9]{2}$", descriptor.Id);
            Assert.True(ids.Add(descriptor.Id), descriptor.Id + " twice");
            Assert.Equal("Channels", descriptor.Category);
            Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString()));
            Assert.False(string.IsNullOrWhiteSpace(descriptor.MessageFormat.ToString()));
            Assert.EndsWith("#" + descriptor.Id.ToLowerInvariant(), descriptor.HelpLinkUri, StringComparison.Ordinal);
        }
        // All lists every descriptor the type declares (new IDs come from parallel work: no fixed count here).
        int declared = typeof(DiagnosticDescriptors).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            .Count(static f => f.FieldType == typeof(DiagnosticDescriptor));
        Assert.Equal(declared, ids.Count);
        Assert.Contains("CHN022", ids);
    }

    private const string EntryAndContract = """
        [ChannelContract]
        public partial interface IWorker
        {
            ChannelWriter<int> Jobs { get; }
        }

        public static class Entries
        {
            [ChildEntry]
            public static Task [|Run|](IWorker.Peer peer) => Task.CompletedTask;
        }

        """;

    private static Microsoft.CodeAnalysis.CSharp.CSharpCompilation Program(string source)
    {
        var compilation = GeneratorHarness.CreateCompilation(("/src/Contracts.cs", source));
        return compilation.WithOptions(compilation.Options.WithOutputKind(OutputKind.ConsoleApplication));
    }

    [Fact]
    public void CHN020_ChildEntryNeverRun()
    {
        (string source, Microsoft.CodeAnalysis.Text.TextSpan span) = Markup.Parse(Usings + EntryAndContract + """
            public static class Program
            {
                public static async Task<int> Main()
                {
                    var (worker, child) = IWorker.CreatePipe();
                    await using var process = await ChildProcess.StartAsync(child, Entries.Run);
                    return await process.WaitForExitAsync();
                }
            }
            """);
        GeneratorResult result = GeneratorHarness.Run(Program(source));

        Diagnostic d = Assert.Single(result.ChannelsDiagnostics);
        Assert.Equal("CHN020", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal(span, d.Location.SourceSpan);
        Assert.Contains("if (ChildProcess.IsChild) return await ChildProcess.RunAsync();", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("if (ChildProcess.IsChild) return await ChildProcess.RunAsync();")]
    [InlineData("if (global::Channels.ChildProcess.IsChild) return await global::Channels.ChildProcess.RunAsync();")]
    [InlineData("if (Channels.ChildProcess.IsChild) return await Channels.ChildProcess.RunAsync();")]
    public void CHN020_NotReportedWhenMainRunsTheEntry(string line)
    {
        (string source, _) = Markup.Parse(Usings + EntryAndContract + """
            public static class Program
            {
                public static async Task<int> Main()
                {

            """ + line + """

                    return 0;
                }
            }
            """);
        Assert.Empty(GeneratorHarness.Run(Program(source)).ChannelsDiagnostics);
    }

    [Fact]
    public void CHN020_NotReportedForALibraryOrAProgramWithoutEntries()
    {
        (string library, _) = Markup.Parse(Usings + EntryAndContract);
        Assert.Empty(GeneratorHarness.Run(GeneratorHarness.CreateCompilation(("/src/Contracts.cs", library))).ChannelsDiagnostics);
        Assert.Empty(GeneratorHarness.Run(Program(Usings + """
            public static class Program
            {
                public static int Main() => 0;
            }
            """)).ChannelsDiagnostics);
    }

    [Fact]
    public void CHN020_AnotherRunAsyncDoesNotCount()
    {
        (string source, Microsoft.CodeAnalysis.Text.TextSpan span) = Markup.Parse(Usings + EntryAndContract + """
            public static class ChildProcess
            {
                public static Task<int> RunAsync() => Task.FromResult(0);
            }

            public static class Program
            {
                public static async Task<int> Main() => await ChildProcess.RunAsync();
            }
            """);
        Diagnostic d = Assert.Single(GeneratorHarness.Run(Program(source)).ChannelsDiagnostics);
        Assert.Equal("CHN020", d.Id);
    }
}
