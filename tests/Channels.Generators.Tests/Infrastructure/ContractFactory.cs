using System.Globalization;
using System.Text;

namespace Channels.Generators.Tests.Infrastructure;

/// <summary>Many contracts for the incremental and scale tests: each in its own file and namespace.</summary>
internal static class ContractFactory
{
    public static (string Path, string Text) Contract(int index, int lanes)
    {
        string n = index.ToString(CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.Append($$"""
            using System.Collections.Generic;
            using System.Threading.Channels;
            using Channels;
            using MemoryPack;

            namespace Scale.N{{n}};

            [MemoryPackable] public partial record Packed{{n}}(int Id, string Text);
            public record struct Point{{n}}(int X, double Y);
            public record Inner{{n}}(string Name, long Size);
            public record Outer{{n}}(Inner{{n}} Inner, List<Inner{{n}}> More, int[] Numbers);

            [ChannelContract]
            public partial interface IContract{{n}}
            {

            """);
        string[] types = { $"Packed{n}", $"Point{n}", $"Outer{n}", "string", "int", $"Inner{n}[]", $"List<Point{n}>", $"Dictionary<string, Outer{n}>", "byte[]", $"Point{n}?" };
        for (int lane = 0; lane < lanes; lane++)
        {
            string kind = lane % 2 == 0 ? "ChannelWriter" : "ChannelReader";
            text.Append($"    {kind}<{types[lane % types.Length]}> Lane{lane.ToString(CultureInfo.InvariantCulture)} {{ get; }}\n");
        }
        text.Append("}\n");
        return ($"/src/Scale/Contract{n}.cs", text.ToString());
    }

    public static (string Path, string Text)[] Contracts(int count, int lanes)
    {
        var sources = new (string, string)[count];
        for (int i = 0; i < count; i++)
            sources[i] = Contract(i, lanes);
        return sources;
    }
}
