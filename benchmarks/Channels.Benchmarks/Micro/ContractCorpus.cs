using System.Globalization;
using System.Text;

namespace Channels.Benchmarks.Micro;

/// <summary>
/// Source text of a large user project for the generator benchmark: contracts with a given number of lanes each,
/// over a mix of message shapes (built-ins, a [MemoryPackable] record, plain records and structs the generator has
/// to make serializable), spread over one file per contract as a real project would be.
/// </summary>
public static class ContractCorpus
{
    private static readonly string[] MessageTypes =
    [
        "int",
        "string",
        "byte[]",
        "global::Corpus.Job",
        "global::Corpus.Point",
        "global::Corpus.Order",
        "global::System.Collections.Generic.List<global::Corpus.Point>",
        "double",
        "global::Corpus.Reading",
        "(int, string)",
    ];

    /// <summary>The shared message types.</summary>
    public const string MessagesFile = """
        using MemoryPack;

        namespace Corpus;

        [MemoryPackable] public partial record Job(int Id, string Text);
        public record struct Point(int X, double Y);
        public record Order(long Id, string Customer, Point[] Route, global::System.Collections.Generic.Dictionary<string, int> Lines);
        public readonly record struct Reading(long Ticks, double Value, float Error, int Sensor);
        """;

    /// <summary>One file per contract: <c>IContractN</c> with <paramref name="lanes"/> lanes, alternating writers and readers.</summary>
    public static IReadOnlyList<(string Path, string Text)> Contracts(int contracts, int lanes)
    {
        var files = new List<(string, string)>(contracts);
        for (int c = 0; c < contracts; c++)
        {
            var text = new StringBuilder();
            text.Append("using System.Threading.Channels;\nusing Channels;\n\nnamespace Corpus.Contracts;\n\n[ChannelContract]\n");
            text.Append(CultureInfo.InvariantCulture, $"public partial interface IContract{c}\n{{\n");
            for (int l = 0; l < lanes; l++)
            {
                string kind = l % 2 == 0 ? "ChannelWriter" : "ChannelReader";
                string type = MessageTypes[(c + l) % MessageTypes.Length];
                text.Append(CultureInfo.InvariantCulture, $"    {kind}<{type}> Lane{l} {{ get; }}\n");
            }

            text.Append("}\n");
            files.Add(($"Contracts/IContract{c}.cs", text.ToString()));
        }

        return files;
    }
}
