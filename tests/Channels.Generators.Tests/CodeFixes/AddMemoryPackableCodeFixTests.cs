using Channels.Generators.CodeFixes;
using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Channels.Generators.Tests.CodeFixes;

/// <summary>
/// CHN003: the fix marks the type that cannot be serialized [MemoryPackable] and partial; afterwards the generator
/// is satisfied and the code compiles with MemoryPack's generator next to ours, as in a user's build.
/// </summary>
public sealed class AddMemoryPackableCodeFixTests
{
    private const string Contract = """
        using System.Threading.Channels;
        using Channels;

        namespace Demo;

        [ChannelContract]
        public partial interface IWorker
        {
            ChannelWriter<Job> Jobs { get; }
        }
        """;

    [Fact]
    public async Task CHN003_MarksTheMessageTypeAndImportsMemoryPack()
    {
        using var harness = new CodeFixHarness(
            ("/src/Contract.cs", Contract),
            ("/src/Job.cs", """
                using System;

                namespace Demo;

                /// <summary>No constructor the generated formatter can call.</summary>
                public class Job
                {
                    private Job() { }
                    public int Id { get; set; }
                }
                """));
        Solution fixedSolution = await harness.ApplySingleAsync(new AddMemoryPackableCodeFixProvider(), "CHN003", "Add [MemoryPackable] and 'partial' to 'Job'");

        Assert.Equal("""
            using System;
            using MemoryPack;

            namespace Demo;

            /// <summary>No constructor the generated formatter can call.</summary>
            [MemoryPackable]
            public partial class Job
            {
                private Job() { }
                public int Id { get; set; }
            }
            """, await CodeFixHarness.TextAsync(fixedSolution, "/src/Job.cs"));
        Assert.Equal(Contract, await CodeFixHarness.TextAsync(fixedSolution, "/src/Contract.cs"));
        await AssertFixedAsync(fixedSolution);
    }

    [Fact]
    public async Task CHN003_KeepsAnExistingImportAndMarksEveryDeclarationPartial()
    {
        using var harness = new CodeFixHarness(
            ("/src/Contract.cs", Contract),
            ("/src/Job.cs", """
                using MemoryPack;

                namespace Demo
                {
                    public record Job : System.Collections.Generic.IEnumerable<int>
                    {
                        public int Id { get; init; }
                        public System.Collections.Generic.IEnumerator<int> GetEnumerator() { yield return Id; }
                        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
                    }
                }
                """),
            ("/src/Job.Extra.cs", """
                namespace Demo;

                public partial record Job
                {
                    public string Text { get; init; } = "";
                }
                """));
        (Diagnostic diagnostic, IReadOnlyList<CodeAction> actions) = await harness.ActionsAsync(new AddMemoryPackableCodeFixProvider(), "CHN003");
        Assert.Contains("Job: collection type", diagnostic.GetMessage(), StringComparison.Ordinal);
        Solution fixedSolution = await ApplyAsync(Assert.Single(actions));

        Assert.Equal("""
            using MemoryPack;

            namespace Demo
            {
                [MemoryPackable]
                public partial record Job : System.Collections.Generic.IEnumerable<int>
                {
                    public int Id { get; init; }
                    public System.Collections.Generic.IEnumerator<int> GetEnumerator() { yield return Id; }
                    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
                }
            }
            """, await CodeFixHarness.TextAsync(fixedSolution, "/src/Job.cs"));
        Assert.Contains("public partial record Job", await CodeFixHarness.TextAsync(fixedSolution, "/src/Job.Extra.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain("MemoryPackable", await CodeFixHarness.TextAsync(fixedSolution, "/src/Job.Extra.cs"), StringComparison.Ordinal);
        await AssertGeneratorSatisfiedAsync(fixedSolution);
    }

    [Fact]
    public async Task CHN003_AddsTheFirstUsingBelowTheFileHeader()
    {
        using var harness = new CodeFixHarness(
            ("/src/Contract.cs", Contract),
            ("/src/Job.cs", """
                // Copyright header stays on top.

                namespace Demo
                {
                    public class Job
                    {
                        private Job() { }
                        public int Id { get; set; }
                    }
                }
                """));
        Solution fixedSolution = await harness.ApplySingleAsync(new AddMemoryPackableCodeFixProvider(), "CHN003", "Add [MemoryPackable] and 'partial' to 'Job'");

        Assert.Equal("""
            // Copyright header stays on top.

            using MemoryPack;

            namespace Demo
            {
                [MemoryPackable]
                public partial class Job
                {
                    private Job() { }
                    public int Id { get; set; }
                }
            }
            """, await CodeFixHarness.TextAsync(fixedSolution, "/src/Job.cs"));
        await AssertFixedAsync(fixedSolution);
    }

    [Fact]
    public async Task CHN003_FollowsTheMemberPathToTheTypeThatFails()
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", """
            using System.Collections.Generic;
            using System.Threading.Channels;
            using Channels;

            namespace Demo;

            public record Order(int Id, Customer? Customer);
            public record Customer(string Name, List<Address> Addresses);
            public class Address
            {
                public Address(string street) { Line = street; }
                public string Line { get; set; }
            }

            [ChannelContract]
            public partial interface IShop
            {
                ChannelWriter<Order> Orders { get; }
            }
            """));
        (Diagnostic diagnostic, IReadOnlyList<CodeAction> actions) = await harness.ActionsAsync(new AddMemoryPackableCodeFixProvider(), "CHN003");
        Assert.Contains("Order.Customer.Addresses[]: no public constructor", diagnostic.GetMessage(), StringComparison.Ordinal);
        CodeAction action = Assert.Single(actions);
        Assert.Equal("Add [MemoryPackable] and 'partial' to 'Address'", action.Title);

        string text = await CodeFixHarness.TextAsync(await ApplyAsync(action), "/src/Contracts.cs");
        Assert.Contains("using Channels;\nusing MemoryPack;\n", text, StringComparison.Ordinal);
        Assert.Contains("public record Order(int Id, Customer? Customer);\npublic record Customer(", text, StringComparison.Ordinal);
        Assert.Contains("[MemoryPackable]\npublic partial class Address\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CHN003_MakesContainingTypesPartialToo()
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", """
            using System.Threading.Channels;
            using Channels;
            using MemoryPack;

            namespace Demo;

            public static class Messages
            {
                public sealed class Job
                {
                    private Job() { }
                    public int Id { get; set; }
                }
            }

            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<Messages.Job> Jobs { get; }
            }
            """));
        Solution fixedSolution = await harness.ApplySingleAsync(new AddMemoryPackableCodeFixProvider(), "CHN003", "Add [MemoryPackable] and 'partial' to 'Job'");

        string text = await CodeFixHarness.TextAsync(fixedSolution, "/src/Contracts.cs");
        Assert.Contains("""
            public static partial class Messages
            {
                [MemoryPackable]
                public sealed partial class Job
                {
            """, text, StringComparison.Ordinal);
        Assert.Equal(2, text.Split("using MemoryPack;").Length);
        await AssertFixedAsync(fixedSolution);
    }

    [Fact]
    public async Task CHN003_OnAChildEntryArgument()
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", """
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using Channels;

            namespace Demo;

            public class Settings
            {
                private Settings() { }
                public int Level { get; set; }
            }

            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
            }

            public static class Entries
            {
                [ChildEntry]
                public static Task Run(IWorker.Peer parent, Settings settings) => Task.CompletedTask;
            }
            """));
        Solution fixedSolution = await harness.ApplySingleAsync(new AddMemoryPackableCodeFixProvider(), "CHN003", "Add [MemoryPackable] and 'partial' to 'Settings'");

        Assert.Contains("[MemoryPackable]\npublic partial class Settings\n", await CodeFixHarness.TextAsync(fixedSolution, "/src/Contracts.cs"), StringComparison.Ordinal);
        await AssertGeneratorSatisfiedAsync(fixedSolution);
    }

    [Theory]
    [InlineData("public interface IJob { }", "IJob")]
    [InlineData("public abstract class JobBase { }", "JobBase")]
    [InlineData("public record Holder(System.IComparable Value);", "Holder")]
    [InlineData("public record Upload(string Name, System.IO.Stream Data);", "Upload")]
    [InlineData("public sealed class Upload : System.IO.MemoryStream { }", "Upload")]
    [InlineData("public record Job(int Id, System.Func<int, int> Step);", "Job")]
    public async Task CHN003_OffersNothingWhenMemoryPackableCannotHelp(string types, string message)
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", """
            using System.Threading.Channels;
            using Channels;

            namespace Demo;

            """ + types + """


            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<
            """ + message + "> Jobs { get; }\n}\n"));
        (_, IReadOnlyList<CodeAction> actions) = await harness.ActionsAsync(new AddMemoryPackableCodeFixProvider(), "CHN003");
        Assert.Empty(actions);
    }

    [Fact]
    public async Task CHN003_FixAllMarksEachTypeOnce()
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", """
            using System.Threading.Channels;
            using Channels;

            namespace Demo;

            public class Job
            {
                private Job() { }
                public int Id { get; set; }
            }

            public sealed class Result
            {
                private Result() { }
                public int Value { get; set; }
            }

            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<Job> Jobs { get; }
                ChannelWriter<Job> MoreJobs { get; }
                ChannelReader<Result> Results { get; }
            }
            """));
        Assert.Equal(3, (await CodeFixHarness.GeneratorDiagnosticsAsync(harness.Project)).Length);
        Solution fixedSolution = await harness.FixAllAsync(new AddMemoryPackableCodeFixProvider(), "CHN003");

        string text = await CodeFixHarness.TextAsync(fixedSolution, "/src/Contracts.cs");
        Assert.Equal(2, text.Split("[MemoryPackable]").Length - 1);
        Assert.Equal(1, text.Split("using MemoryPack;").Length - 1);
        Assert.Contains("[MemoryPackable]\npublic partial class Job\n", text, StringComparison.Ordinal);
        Assert.Contains("[MemoryPackable]\npublic sealed partial class Result\n", text, StringComparison.Ordinal);
        await AssertGeneratorSatisfiedAsync(fixedSolution);
    }

    private static async Task<Solution> ApplyAsync(CodeAction action)
    {
        var operations = await action.GetOperationsAsync(CancellationToken.None);
        return Assert.IsType<ApplyChangesOperation>(Assert.Single(operations)).ChangedSolution;
    }

    private static async Task AssertGeneratorSatisfiedAsync(Solution solution)
    {
        var compilation = (CSharpCompilation)(await solution.Projects.Single().GetCompilationAsync())!;
        Assert.Empty(GeneratorHarness.Run(compilation).ChannelsDiagnostics);
    }

    /// <summary>No CHN003 any more, and with MemoryPack's generator the fixed code and ours compile cleanly.</summary>
    private static async Task AssertFixedAsync(Solution solution)
    {
        var compilation = (CSharpCompilation)(await solution.Projects.Single().GetCompilationAsync())!;
        GeneratorResult result = GeneratorHarness.Run(compilation, withMemoryPack: true);
        Assert.Empty(result.ChannelsDiagnostics);
        result.AssertCompilesCleanly();
    }
}
