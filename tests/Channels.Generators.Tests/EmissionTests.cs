using Channels.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Channels.Generators.Tests;

/// <summary>Unusual but valid contracts and message types: the output compiles cleanly, lanes keep a stable order, formatters round-trip.</summary>
public sealed class EmissionTests
{
    private const string Messages = """
        using System;
        using System.Collections.Generic;
        using System.Threading.Channels;
        using Channels;
        using MemoryPack;

        namespace Shapes;

        public enum Color : byte { Red, Green }
        public record struct Named(string Name, int Count);                       // plain struct with a reference
        public record Wrapper<T>(T Value, List<T> Values);                         // closed generic plain record
        public sealed class Settable { public int Id { get; set; } public string? Note { get; set; } public double[] Samples { get; set; } = Array.Empty<double>(); }
        public sealed class InitOnly { public required string Title { get; init; } public int Year { get; init; } public int Computed => Year * 2; }
        public sealed class Mixed(string key) { public string Key { get; } = key; public int Extra { get; set; } }
        public readonly record struct Point(int X, int Y);
        [MemoryPackable] public partial struct Packed { public int A; public long B; }
        [MemoryPackable] [MemoryPackUnion(0, typeof(Circle))] [MemoryPackUnion(1, typeof(Square))] public partial interface IShape { }
        [MemoryPackable] public partial record Circle(double Radius) : IShape;
        [MemoryPackable] public partial record Square(double Side) : IShape;
        """;

    private const string Contract = """
        using System.Collections.Generic;
        using System.Threading.Channels;
        using Channels;

        namespace Shapes;

        [ChannelContract]
        public partial interface IShapes
        {
            ChannelWriter<Color> Colors { get; }
            ChannelReader<Named> Names { get; }
            ChannelWriter<Wrapper<int>> Wrapped { get; }
            ChannelWriter<Wrapper<Named>> WrappedNames { get; }
            ChannelReader<Settable> Settables { get; }
            ChannelReader<InitOnly> Inits { get; }
            ChannelReader<Mixed> Mixed { get; }
            ChannelWriter<Point?> MaybePoints { get; }
            ChannelWriter<Packed> Packed { get; }
            ChannelWriter<IShape> Shapes { get; }
            ChannelWriter<(int Id, string Name)> Tuples { get; }
            ChannelWriter<Dictionary<string, Settable[]>> Index { get; }
            ChannelReader<string?> MaybeText { get; }
            ChannelReader<Circle?> MaybeCircles { get; }
            ChannelWriter<int> @event { get; }
        }
        """;

    private static readonly Lazy<Loaded> Shapes = new(() => Loaded.Compile(("/src/Messages.cs", Messages), ("/src/Contract.cs", Contract)));

    [Fact]
    public void ManyMessageKindsCompileCleanly()
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(("/src/Messages.cs", Messages), ("/src/Contract.cs", Contract)));
        Assert.Empty(result.ChannelsDiagnostics);
        result.AssertCompilesCleanly();
        string formatters = result.Sources["Channels.Formatters.g.cs"];
        foreach (string type in new[] { "Shapes.Named", "Shapes.Wrapper<int>", "Shapes.Wrapper<global::Shapes.Named>", "Shapes.Settable", "Shapes.InitOnly", "Shapes.Mixed" })
            Assert.Contains("MemoryPackFormatter<global::" + type + ">", formatters, StringComparison.Ordinal);
        Assert.DoesNotContain("Formatter<global::Shapes.Point>", formatters, StringComparison.Ordinal);   // unmanaged: MemoryPack copies it
        Assert.DoesNotContain("Formatter<global::Shapes.Circle>", formatters, StringComparison.Ordinal); // [MemoryPackable]
    }

    [Fact]
    public void FormattersRoundTripSettersInitOnlyAndPrimaryConstructors()
    {
        Loaded loaded = Shapes.Value;
        Type settableType = loaded.Type("Shapes.Settable");
        object settable = Activator.CreateInstance(settableType)!;
        settableType.GetProperty("Id")!.SetValue(settable, 5);
        settableType.GetProperty("Note")!.SetValue(settable, "n");
        settableType.GetProperty("Samples")!.SetValue(settable, new[] { 1.5, 2.5 });
        object back = loaded.GetCodec("Shapes.IShapes", "__Codec_Shapes_Settable").Decode(loaded.GetCodec("Shapes.IShapes", "__Codec_Shapes_Settable").Encode(settable));
        Assert.Equal(5, settableType.GetProperty("Id")!.GetValue(back));
        Assert.Equal("n", settableType.GetProperty("Note")!.GetValue(back));
        Assert.Equal(new[] { 1.5, 2.5 }, settableType.GetProperty("Samples")!.GetValue(back));

        object mixed = loaded.Create("Shapes.Mixed", "k");
        loaded.Type("Shapes.Mixed").GetProperty("Extra")!.SetValue(mixed, 9);
        Loaded.Codec mixedCodec = loaded.GetCodec("Shapes.IShapes", "__Codec_Shapes_Mixed");
        object mixedBack = mixedCodec.Decode(mixedCodec.Encode(mixed));
        Assert.Equal("k", loaded.Type("Shapes.Mixed").GetProperty("Key")!.GetValue(mixedBack));
        Assert.Equal(9, loaded.Type("Shapes.Mixed").GetProperty("Extra")!.GetValue(mixedBack));

        object named = loaded.Create("Shapes.Named", "x", 3);
        Loaded.Codec namedCodec = loaded.GetCodec("Shapes.IShapes", "__Codec_Shapes_Named");
        Assert.Equal(named, namedCodec.Decode(namedCodec.Encode(named)));
    }

    [Fact]
    public void CodecsThatGoThroughMemoryPackSaySoAndRawOnesDoNot()
    {
        // A link encodes [MemoryPackable] messages itself when the codec says its bytes are MemoryPack's; a raw
        // codec's bytes are the struct's own, which links copy without any codec.
        Loaded loaded = Loaded.Compile(("/src/Contract.cs", """
            using System.Threading.Channels;
            using Channels;
            using MemoryPack;

            namespace Marks;

            public readonly record struct Point(int X, int Y);

            [MemoryPackable]
            public sealed partial record Note(int Id, string Text);

            public sealed record Plain(int Id, string Text);

            [ChannelContract]
            public partial interface IMarks
            {
                ChannelWriter<Point> Points { get; }
                ChannelWriter<Note> Notes { get; }
                ChannelWriter<Plain> Plains { get; }
                ChannelWriter<byte[]> Bytes { get; }
                ChannelWriter<string> Text { get; }
            }
            """));
        var marked = new List<Type>();
        var raw = new List<Type>();
        foreach (Type codec in loaded.Type("Marks.IMarks").GetNestedTypes(System.Reflection.BindingFlags.NonPublic))
        {
            Type? lane = codec.GetInterfaces().SingleOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Channels.Contracts.ILaneCodec<>));
            if (lane is null)
                continue;
            bool isRaw = codec.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Channels.Contracts.IRawLaneCodec<>));
            Assert.Equal(!isRaw, typeof(Channels.Contracts.IMemoryPackLaneCodec).IsAssignableFrom(codec));
            (isRaw ? raw : marked).Add(lane.GetGenericArguments()[0]);
        }
        Assert.Equal(["Point"], raw.Select(t => t.Name));
        Assert.Equal(["Byte[]", "Note", "Plain", "String"], marked.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ByteArrayCodecsSayTheyEncodeAsMemoryPackDoesAndOnlyThey()
    {
        // A link gives large byte arrays frames of their own and receives them into their own arrays, trusting the
        // marker that the codec writes MemoryPack's i32 count then the bytes (-1 for null); other codecs must not carry it.
        Loaded loaded = Loaded.Compile(("/src/Contract.cs", """
            using System.Threading.Channels;
            using Channels;

            namespace Blobs;

            [ChannelContract]
            public partial interface IBlobs
            {
                ChannelWriter<byte[]> Bytes { get; }
                ChannelReader<byte[]?> MaybeBytes { get; }
                ChannelWriter<sbyte[]> Signed { get; }
                ChannelWriter<byte[][]> Nested { get; }
                ChannelWriter<string> Text { get; }
            }
            """));
        var marked = new List<string>();
        foreach (Type codec in loaded.Type("Blobs.IBlobs").GetNestedTypes(System.Reflection.BindingFlags.NonPublic))
        {
            Type? lane = codec.GetInterfaces().SingleOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Channels.Contracts.ISpanLaneCodec<>));
            if (lane is null)
                continue;
            bool isBytes = lane.GetGenericArguments()[0] == typeof(byte[]);
            Assert.Equal(isBytes, typeof(Channels.Contracts.IByteArrayLaneCodec).IsAssignableFrom(codec));
            if (isBytes)
                marked.Add(codec.Name);
        }
        // byte[] and byte[]? each have a codec (their annotations differ), both marked.
        Assert.Equal(2, marked.Count);

        foreach (string name in marked)
        {
            Loaded.Codec codec = loaded.GetCodec("Blobs.IBlobs", name);
            Assert.Equal(new byte[] { 3, 0, 0, 0, 7, 8, 9 }, codec.Encode(new byte[] { 7, 8, 9 }));
            Assert.Equal(new byte[] { 0, 0, 0, 0 }, codec.Encode(Array.Empty<byte>()));
        }
    }

    [Fact]
    public void LanesOfPartialDeclarationsAreOrderedByFilePathThenPosition()
    {
        const string Second = """
            using System.Threading.Channels;
            namespace Split;
            public partial interface ISplit
            {
                ChannelWriter<int> B1 { get; }
                ChannelWriter<int> B2 { get; }
            }
            """;
        const string First = """
            using System.Threading.Channels;
            using Channels;
            namespace Split;
            [ChannelContract]
            public partial interface ISplit
            {
                ChannelReader<int> A1 { get; }
            }
            """;
        // Trees are added in the opposite order of their paths: the order must follow the paths.
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(("/src/b/Second.cs", Second), ("/src/a/First.cs", First)));
        result.AssertCompilesCleanly();
        string text = result.Sources["Split.ISplit.g.cs"];
        Assert.Contains("A1 = link.CreateReader(0,", text, StringComparison.Ordinal);
        Assert.Contains("B1 = link.CreateWriter(1,", text, StringComparison.Ordinal);
        Assert.Contains("B2 = link.CreateWriter(2,", text, StringComparison.Ordinal);
    }

    [Fact]
    public void GlobalNamespaceContractCompilesCleanly()
    {
        DiagnosticAssert.None("""
            using System.Threading.Channels;
            using Channels;
            [ChannelContract]
            public partial interface IGlobal
            {
                ChannelWriter<string> Lines { get; }
            }
            """);
    }

    [Fact]
    public void ContractCompilesWithNullableDisabled()
    {
        CSharpCompilationOptionsEditor.Run(Sources.Worker, NullableContextOptions.Disable).AssertCompilesCleanly();
    }

    [Fact]
    public void QueueContractEntryCompilesCleanly()
    {
        const string Entry = """
            using System.Threading;
            using System.Threading.Tasks;
            using Channels;

            namespace Demo;

            internal static class Getter
            {
                [ChildEntry]
                internal static async Task<int> Run(IJobBoard board, string name, CancellationToken ct)
                {
                    Job job = await board.Jobs.Reader.ReadAsync(ct);
                    return job.Id + name.Length;
                }
            }
            """;
        GeneratorResult result = DiagnosticAssert.None(("/src/Board.cs", Sources.JobBoard), ("/src/Getter.cs", Entry));
        Assert.Contains("context.OpenQueueAsync(global::Demo.IJobBoard.Definition)", result.Sources["Channels.ChildEntries.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void RedeliverIsEmittedIntoTheLaneDescriptorAndChangesTheFingerprint()
    {
        GeneratorResult plain = DiagnosticAssert.None(("/src/Board.cs", Sources.JobBoard));
        GeneratorResult redelivering = DiagnosticAssert.None(("/src/Board.cs", Sources.JobBoard.Replace("[Queue(Capacity = 2)]", "[Queue(Capacity = 2, Redeliver = true)]", StringComparison.Ordinal)));
        string plainSource = plain.Sources["Demo.IJobBoard.g.cs"];
        string redeliveringSource = redelivering.Sources["Demo.IJobBoard.g.cs"];
        Assert.DoesNotContain("QueueRedeliver", plainSource, StringComparison.Ordinal);
        Assert.Contains("{ QueueCapacity = 2, QueueRedeliver = true }", redeliveringSource, StringComparison.Ordinal);
        Assert.Contains("{ QueueCapacity = 0 }", redeliveringSource, StringComparison.Ordinal);
        Assert.NotEqual(Fingerprint(plainSource), Fingerprint(redeliveringSource));

        static string Fingerprint(string source)
        {
            int at = source.IndexOf("\"Demo.IJobBoard\", 0x", StringComparison.Ordinal);
            Assert.True(at >= 0, source);
            return source.Substring(at, 40);
        }
    }
}
