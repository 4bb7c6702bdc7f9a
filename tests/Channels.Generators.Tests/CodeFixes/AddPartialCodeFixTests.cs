using Channels.Generators.CodeFixes;
using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Channels.Generators.Tests.CodeFixes;

/// <summary>CHN001 and CHN013: 'partial' is added where the generator needs it, and the diagnostic is gone afterwards.</summary>
public sealed class AddPartialCodeFixTests
{
    private const string Usings = """
        using System.Threading.Channels;
        using Channels;

        """;

    [Fact]
    public async Task CHN001_AddsPartialAfterTheOtherModifiers()
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", Usings + """
            namespace Demo;

            [ChannelContract]
            public interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
            }
            """));
        Solution fixedSolution = await harness.ApplySingleAsync(new AddPartialToContractCodeFixProvider(), "CHN001", "Add 'partial'");

        Assert.Equal(Usings + """
            namespace Demo;

            [ChannelContract]
            public partial interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
            }
            """, await CodeFixHarness.TextAsync(fixedSolution, "/src/Contracts.cs"));
        await AssertFixedAsync(fixedSolution);
    }

    [Fact]
    public async Task CHN001_WithoutModifiersKeepsTheIndentation()
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", Usings + """
            namespace Demo
            {
                [ChannelContract]
                interface IWorker
                {
                    ChannelWriter<int> Jobs { get; }
                }
            }
            """));
        Solution fixedSolution = await harness.ApplySingleAsync(new AddPartialToContractCodeFixProvider(), "CHN001", "Add 'partial'");

        Assert.Equal(Usings + """
            namespace Demo
            {
                [ChannelContract]
                partial interface IWorker
                {
                    ChannelWriter<int> Jobs { get; }
                }
            }
            """, await CodeFixHarness.TextAsync(fixedSolution, "/src/Contracts.cs"));
        await AssertFixedAsync(fixedSolution);
    }

    [Fact]
    public async Task CHN001_FixesEveryDeclarationOfTheContract()
    {
        using var harness = new CodeFixHarness(
            ("/src/A.cs", Usings + """
                namespace Demo;

                [ChannelContract]
                public interface IWorker
                {
                    ChannelWriter<int> Jobs { get; }
                }
                """),
            ("/src/B.cs", Usings + """
                namespace Demo;

                public partial interface IWorker
                {
                    ChannelReader<int> Results { get; }
                }
                """),
            ("/src/C.cs", Usings + """
                namespace Demo;

                public interface IWorker
                {
                    ChannelReader<string> Logs { get; }
                }
                """));
        (Diagnostic diagnostic, IReadOnlyList<Microsoft.CodeAnalysis.CodeActions.CodeAction> actions) = await harness.ActionsAsync(new AddPartialToContractCodeFixProvider(), "CHN001");
        Solution fixedSolution = await ApplyAsync(Assert.Single(actions));

        Assert.Contains("public partial interface IWorker", await CodeFixHarness.TextAsync(fixedSolution, "/src/A.cs"), StringComparison.Ordinal);
        Assert.Contains("public partial interface IWorker", await CodeFixHarness.TextAsync(fixedSolution, "/src/B.cs"), StringComparison.Ordinal);
        Assert.Contains("public partial interface IWorker", await CodeFixHarness.TextAsync(fixedSolution, "/src/C.cs"), StringComparison.Ordinal);
        Assert.Equal("/src/A.cs", diagnostic.Location.GetLineSpan().Path);
        await AssertFixedAsync(fixedSolution);
    }

    [Fact]
    public async Task CHN001_FixAllFixesEveryContract()
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", Usings + """
            namespace Demo;

            [ChannelContract]
            public interface IWorker
            {
                ChannelWriter<int> Jobs { get; }
            }

            [ChannelContract]
            internal interface IMonitor
            {
                ChannelReader<string> Logs { get; }
            }
            """));
        Solution fixedSolution = await harness.FixAllAsync(new AddPartialToContractCodeFixProvider(), "CHN001");

        string text = await CodeFixHarness.TextAsync(fixedSolution, "/src/Contracts.cs");
        Assert.Contains("public partial interface IWorker", text, StringComparison.Ordinal);
        Assert.Contains("internal partial interface IMonitor", text, StringComparison.Ordinal);
        await AssertFixedAsync(fixedSolution);
    }

    [Fact]
    public async Task CHN013_AddsPartialToEveryContainingType()
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", Usings + """
            namespace Demo;

            public static class Outer
            {
                internal partial class Middle
                {
                    public sealed class Inner
                    {
                        [ChannelContract]
                        public partial interface IWorker
                        {
                            ChannelWriter<int> Jobs { get; }
                        }
                    }
                }
            }
            """));
        Solution fixedSolution = await harness.ApplySingleAsync(new AddPartialToContainingTypesCodeFixProvider(), "CHN013", "Add 'partial' to the types containing 'IWorker'");

        Assert.Equal(Usings + """
            namespace Demo;

            public static partial class Outer
            {
                internal partial class Middle
                {
                    public sealed partial class Inner
                    {
                        [ChannelContract]
                        public partial interface IWorker
                        {
                            ChannelWriter<int> Jobs { get; }
                        }
                    }
                }
            }
            """, await CodeFixHarness.TextAsync(fixedSolution, "/src/Contracts.cs"));
        await AssertFixedAsync(fixedSolution);
    }

    [Fact]
    public async Task CHN013_NamesTheSingleContainingType()
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", Usings + """
            public class Outer
            {
                [ChannelContract]
                public partial interface IWorker
                {
                    ChannelWriter<int> Jobs { get; }
                }
            }
            """));
        Solution fixedSolution = await harness.ApplySingleAsync(new AddPartialToContainingTypesCodeFixProvider(), "CHN013", "Add 'partial' to 'Outer'");

        Assert.StartsWith(Usings + "public partial class Outer\n{", await CodeFixHarness.TextAsync(fixedSolution, "/src/Contracts.cs"), StringComparison.Ordinal);
        await AssertFixedAsync(fixedSolution);
    }

    [Fact]
    public async Task CHN013_FixAllFixesEveryContainer()
    {
        using var harness = new CodeFixHarness(("/src/Contracts.cs", Usings + """
            public class First
            {
                [ChannelContract]
                public partial interface IWorker { ChannelWriter<int> Jobs { get; } }
            }

            public class Second
            {
                [ChannelContract]
                public partial interface IWorker { ChannelWriter<int> Jobs { get; } }

                [ChannelContract]
                public partial interface IMonitor { ChannelReader<int> Logs { get; } }
            }
            """));
        Solution fixedSolution = await harness.FixAllAsync(new AddPartialToContainingTypesCodeFixProvider(), "CHN013");

        string text = await CodeFixHarness.TextAsync(fixedSolution, "/src/Contracts.cs");
        Assert.Contains("public partial class First", text, StringComparison.Ordinal);
        Assert.Contains("public partial class Second", text, StringComparison.Ordinal);
        Assert.DoesNotContain("partial partial", text, StringComparison.Ordinal);
        await AssertFixedAsync(fixedSolution);
    }

    private static async Task<Solution> ApplyAsync(Microsoft.CodeAnalysis.CodeActions.CodeAction action)
    {
        var operations = await action.GetOperationsAsync(CancellationToken.None);
        return Assert.IsType<Microsoft.CodeAnalysis.CodeActions.ApplyChangesOperation>(Assert.Single(operations)).ChangedSolution;
    }

    /// <summary>The generator is satisfied with the fixed code, and the fixed code with its generated code compiles.</summary>
    private static async Task AssertFixedAsync(Solution solution)
    {
        var compilation = (CSharpCompilation)(await solution.Projects.Single().GetCompilationAsync())!;
        GeneratorResult result = GeneratorHarness.Run(compilation);
        Assert.Empty(result.ChannelsDiagnostics);
        result.AssertCompilesCleanly();
    }
}
