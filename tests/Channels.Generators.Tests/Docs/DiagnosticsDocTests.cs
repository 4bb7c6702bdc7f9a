using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;
using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Channels.Generators.Tests.Docs;

/// <summary>
/// docs/diagnostics.md documents every diagnostic the generator can report, and every help link lands on its
/// section. The descriptors are found by reflection, so a new one without documentation fails here.
/// </summary>
public sealed class DiagnosticsDocTests
{
    private const string HelpBase = "https://github.com/channels-dotnet/channels/blob/main/docs/diagnostics.md#";

    private static readonly Lazy<string> Document = new(() => File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "diagnostics.md")));

    public static TheoryData<string> DescriptorIds()
    {
        var data = new TheoryData<string>();
        foreach (DiagnosticDescriptor descriptor in Descriptors())
            data.Add(descriptor.Id);
        return data;
    }

    /// <summary>IDs are unique, of the form CHNnnn, and each is a row of the document's table.</summary>
    [Fact]
    public void EveryDescriptorHasAUniqueIdListedInTheTable()
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (DiagnosticDescriptor descriptor in Descriptors())
        {
            Assert.True(ids.Add(descriptor.Id), descriptor.Id + " is declared by two descriptors");
            Assert.Matches("^CHN[0-9]{3}$", descriptor.Id);
            Assert.Contains("| [" + descriptor.Id + "](#" + descriptor.Id.ToLowerInvariant() + ") |", Document.Value, StringComparison.Ordinal);
        }
        Assert.Contains("CHN001", ids);
        Assert.Contains("CHN019", ids);
        Assert.Contains("CHN022", ids);
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void EveryIdHasASectionWithCauseExampleAndFix(string id)
    {
        string section = Section(id);
        Assert.Contains("**Cause.**", section, StringComparison.Ordinal);
        Assert.Contains("```csharp", section, StringComparison.Ordinal);
        Assert.Contains("**Fix.**", section, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void EveryHelpLinkEndsWithTheAnchorOfItsSection(string id)
    {
        DiagnosticDescriptor descriptor = Descriptor(id);
        string anchor = id.ToLowerInvariant();
        Assert.Equal(HelpBase + anchor, descriptor.HelpLinkUri);
        Assert.EndsWith("#" + anchor, descriptor.HelpLinkUri, StringComparison.Ordinal);

        // GitHub derives "chn001-channel-contract-must-be-partial" from the heading; the explicit anchor makes "#chn001" land.
        Assert.Contains("<a id=\"" + anchor + "\"></a>", Document.Value, StringComparison.Ordinal);
    }

    /// <summary>Headings escape '&lt;' and '&gt;' (GitHub would take "&lt;T&gt;" for an HTML tag and drop it).</summary>
    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void EverySectionHeadingCarriesTheDescriptorTitle(string id)
    {
        DiagnosticDescriptor descriptor = Descriptor(id);
        Match heading = Regex.Match(Document.Value, "^## " + id + ": (.+)$", RegexOptions.Multiline);
        Assert.True(heading.Success, "no heading '## " + id + ": ...'");
        Assert.Equal(descriptor.Title.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Net.WebUtility.HtmlDecode(heading.Groups[1].Value.TrimEnd('\r')));
    }

    [Fact]
    public void TheDocumentHasNoSectionForAnUnknownId()
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (DiagnosticDescriptor descriptor in Descriptors())
            known.Add(descriptor.Id);
        foreach (Match heading in Regex.Matches(Document.Value, "^## (CHN[0-9]+)", RegexOptions.Multiline))
            Assert.Contains(heading.Groups[1].Value, known);
    }

    /// <summary>CHN006's example is abbreviated ("// ... L1 to L65535"); DiagnosticTests builds the real one.</summary>
    public static TheoryData<string> IdsWithCompleteExamples()
    {
        var data = new TheoryData<string>();
        foreach (DiagnosticDescriptor descriptor in Descriptors())
        {
            if (descriptor.Id != "CHN006")
                data.Add(descriptor.Id);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(IdsWithCompleteExamples))]
    public void TheExampleOfEverySectionTriggersItsDiagnostic(string id)
    {
        IReadOnlyList<string> blocks = CodeBlocks(Section(id));
        ImmutableArray<Diagnostic> diagnostics = Run(blocks[0]);
        Assert.Contains(diagnostics, d => d.Id == id);
    }

    [Theory]
    [MemberData(nameof(DescriptorIds))]
    public void TheFixOfEverySectionIsAValidContract(string id)
    {
        IReadOnlyList<string> blocks = CodeBlocks(Section(id));
        Assert.True(blocks.Count >= 2, id + " needs an example and a fix");
        Assert.Empty(Run(blocks[blocks.Count - 1]));
    }

    /// <summary>Runs the generator on a snippet of the document, with the types the snippets share (Job, Result, Order, IWorker) in scope.</summary>
    private static ImmutableArray<Diagnostic> Run(string snippet)
    {
        string source = """
            using System;
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Channels;
            using System.Threading.Tasks;
            using Channels;
            using MemoryPack;

            namespace Docs.Shared
            {
                [MemoryPackable] public partial record Job(int Id);
                [MemoryPackable] public partial record Result(int Id, double Score);
                [MemoryPackable] public partial record Order(int Id);

                [ChannelContract]
                public partial interface IWorker
                {
                    ChannelWriter<Job> Jobs { get; }
                    ChannelReader<Result> Results { get; }
                }
            }

            namespace Docs.Example
            {
                using Docs.Shared;

            """ + snippet + "\n}\n";
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source);
        // A snippet with Main is a program (CHN020 concerns programs only).
        if (snippet.Contains(" Main(", StringComparison.Ordinal))
            compilation = compilation.WithOptions(compilation.Options.WithOutputKind(OutputKind.ConsoleApplication));
        return AnalyzerHarness.Run(compilation).Channels;
    }

    private static List<string> CodeBlocks(string section)
    {
        var blocks = new List<string>();
        foreach (Match block in Regex.Matches(section, "```csharp\n(.*?)```", RegexOptions.Singleline))
            blocks.Add(block.Groups[1].Value);
        return blocks;
    }

    /// <summary>Every public static field or property of type DiagnosticDescriptor on the generator's DiagnosticDescriptors type.</summary>
    private static List<DiagnosticDescriptor> Descriptors()
    {
        Type type = typeof(ContractGenerator).Assembly.GetType("Channels.Generators.DiagnosticDescriptors", throwOnError: true)!;
        var descriptors = new List<DiagnosticDescriptor>();
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static;
        foreach (FieldInfo field in type.GetFields(flags))
        {
            if (field.FieldType == typeof(DiagnosticDescriptor))
                descriptors.Add((DiagnosticDescriptor)field.GetValue(null)!);
        }
        foreach (PropertyInfo property in type.GetProperties(flags))
        {
            if (property.PropertyType == typeof(DiagnosticDescriptor) && property.GetIndexParameters().Length == 0)
                descriptors.Add((DiagnosticDescriptor)property.GetValue(null)!);
        }
        Assert.NotEmpty(descriptors);
        return descriptors;
    }

    private static DiagnosticDescriptor Descriptor(string id) => Descriptors().Single(d => d.Id == id);

    /// <summary>The text from "## ID:" to the next "## " heading.</summary>
    private static string Section(string id)
    {
        string text = Document.Value;
        int start = text.IndexOf("\n## " + id + ":", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/diagnostics.md has no section '## " + id + ": ...'");
        int end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return end < 0 ? text.Substring(start) : text.Substring(start, end - start);
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
