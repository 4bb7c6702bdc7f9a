using System.Text.RegularExpressions;
using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Channels.Generators.Tests.Docs;

/// <summary>
/// The guide's main example (a contract and a pipe to a child) is a program that compiles against the real runtime
/// and generator, and its queue contract is valid. (The queue usage snippets need the queue runtime's Put/Get.)
/// </summary>
public sealed class GettingStartedDocTests
{
    [Fact]
    public void TheContractAndPipeExamplesCompileAsOneProgram()
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "getting-started.md"));
        List<string> contract = CodeBlocks(Section(text, "## 1. "));
        List<string> pipe = CodeBlocks(Section(text, "## 2. "));

        const string Usings = """
            using System;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using Channels;

            """;
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(
            ("/src/Contract.cs", contract[0]),
            ("/src/Program.cs", Usings + pipe[0]));
        compilation = compilation.WithOptions(compilation.Options.WithOutputKind(OutputKind.ConsoleApplication));

        GeneratorResult result = GeneratorHarness.Run(compilation, withMemoryPack: true);
        Assert.Empty(result.ChannelsDiagnostics);
        result.AssertCompilesCleanly();
    }

    [Fact]
    public void TheQueueContractIsValid()
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "getting-started.md"));
        List<string> contract = CodeBlocks(Section(text, "## 1. "));
        List<string> queues = CodeBlocks(Section(text, "## 4. "));

        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(
            ("/src/Contract.cs", contract[0]),
            ("/src/Board.cs", "using Channels;\n" + queues[0]));
        GeneratorResult result = GeneratorHarness.Run(compilation, withMemoryPack: true);
        Assert.Empty(result.ChannelsDiagnostics);
        result.AssertCompilesCleanly();
    }

    /// <summary>Sections 5 to 7 (a child with a link and a queue, getting from queues, results from N workers) are each a whole program.</summary>
    [Theory]
    [InlineData("## 5. ")]
    [InlineData("## 6. ")]
    [InlineData("## 7. ")]
    public void EachWorkedExampleCompilesAsAProgram(string heading)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "getting-started.md"));
        List<string> contract = CodeBlocks(Section(text, "## 1. "));
        List<string> queues = CodeBlocks(Section(text, "## 4. "));
        List<string> program = CodeBlocks(Section(text, heading));

        const string Usings = """
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using Channels;

            """;
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(
            ("/src/Contract.cs", contract[0]),
            ("/src/Board.cs", "using Channels;\n" + queues[0]),
            ("/src/Program.cs", Usings + program[0]));
        compilation = compilation.WithOptions(compilation.Options.WithOutputKind(OutputKind.ConsoleApplication));

        GeneratorResult result = GeneratorHarness.Run(compilation, withMemoryPack: true);
        Assert.Empty(result.ChannelsDiagnostics);
        result.AssertCompilesCleanly();
    }

    [Fact]
    public void TheCallContractAndThePoolProgramCompile()
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "getting-started.md"));
        List<string> calls = CodeBlocks(Section(text, "## 8. "));
        List<string> pool = CodeBlocks(Section(text, "## 9. "));

        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(
            ("/src/Pricer.cs", calls[0]),
            ("/src/Program.cs", pool[0]));
        compilation = compilation.WithOptions(compilation.Options.WithOutputKind(OutputKind.ConsoleApplication));
        GeneratorResult result = GeneratorHarness.Run(compilation, withMemoryPack: true);
        Assert.Empty(result.ChannelsDiagnostics);
        result.AssertCompilesCleanly();
        Assert.Contains("Channels.PoolFunctions.g.cs", result.Sources.Keys);
    }

    private static string Section(string text, string heading)
    {
        int start = text.IndexOf("\n" + heading, StringComparison.Ordinal);
        Assert.True(start >= 0, "getting-started.md has no section '" + heading + "'");
        int end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? text.Substring(start) : text.Substring(start, end - start);
    }

    private static List<string> CodeBlocks(string section)
    {
        var blocks = new List<string>();
        foreach (Match block in Regex.Matches(section, "```csharp\\n(.*?)```", RegexOptions.Singleline))
            blocks.Add(block.Groups[1].Value);
        Assert.NotEmpty(blocks);
        return blocks;
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Channels.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("No folder above " + AppContext.BaseDirectory + " contains Channels.sln.");
    }
}
