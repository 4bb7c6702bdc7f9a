using System.Buffers;
using System.Linq;
using System.Text;
using Channels.Generators.Tests.Infrastructure;
using Xunit;

namespace Channels.Generators.Tests;

/// <summary>
/// Codecs that write MemoryPack's encoding of a positional record themselves: which types get one, and that their
/// bytes are MemoryPack's both ways, for every member type they take and for malformed payloads.
/// </summary>
public sealed class DirectCodecTests
{
    private const string Messages = """
        using System;
        using System.Collections.Generic;
        using MemoryPack;

        namespace Direct;

        public enum Mood : short { Calm = 1, Loud = -300 }

        [MemoryPackable] public sealed partial record Small(int Id, double Value, string Text);
        [MemoryPackable] public sealed partial record Everything(bool B, char C, sbyte I8, byte U8, short I16, ushort U16, int I32, uint U32, long I64, ulong U64, float F32, double F64, Mood Mood, string? Note, string Title);
        [MemoryPackable] public sealed partial record Texts(string? First, string? Second);

        // Not sealed: a derived record's instance is encoded as its base, as MemoryPack's formatter of the base does.
        [MemoryPackable] public partial record NotSealed(int Id, string Name);
        public sealed record Derived(int Id, string Name, string Extra) : NotSealed(Id, Name);

        // Each of these keeps the MemoryPack path.
        [MemoryPackable] public partial record Child(int Id, string Name, int More) : NotSealed(Id, Name);
        [MemoryPackable] public sealed partial record WithBody(int Id) { public string Extra { get; init; } = ""; }
        [MemoryPackable] public sealed partial record Ordered([property: MemoryPackOrder(0)] int Id);
        [MemoryPackable(GenerateType.VersionTolerant)] public sealed partial record Tolerant([property: MemoryPackOrder(0)] int Id);
        public record struct Point(int X, int Y);
        [MemoryPackable] public sealed partial record Stamped(DateTime When, DateTimeOffset At, TimeSpan Took, Guid Id, decimal Price, Point Where, string Label);
        public sealed record PlainStamped(DateTime When, Guid Id, decimal Price, Point Where);

        // Each of these keeps the MemoryPack path.
        [MemoryPackable] public sealed partial record WithNullable(int? Maybe);
        [MemoryPackable] public sealed partial record WithList(List<int> Items);
        [MemoryPackable] public sealed partial record WithTwoConstructors(int Id) { [MemoryPackConstructor] public WithTwoConstructors() : this(0) { } }
        [MemoryPackable] public sealed partial class NotARecord { public int Id { get; set; } }
        // Plain records: the formatter this generator emits writes the same layout, but wants every member.
        public record Plain(int Id, string? Text, Mood Mood);
        public sealed record PlainWithList(int Id, List<int> Items);
        public sealed record PlainOverridden(int Value);
        // Serializes itself without the attribute: keeps the MemoryPack path (its own layout).
        public sealed record SelfPacked(int Value) : IMemoryPackable<SelfPacked>
        {
            static void IMemoryPackFormatterRegister.RegisterFormatter() { }

            static void IMemoryPackable<SelfPacked>.Serialize<TBufferWriter>(ref MemoryPackWriter<TBufferWriter> writer, scoped ref SelfPacked? value)
                => writer.WriteUnmanaged(value!.Value);

            static void IMemoryPackable<SelfPacked>.Deserialize(ref MemoryPackReader reader, scoped ref SelfPacked? value)
                => value = new SelfPacked(reader.ReadUnmanaged<int>());
        }

        // The application replaces MemoryPack's formatter of this one: its codec must go through MemoryPack.
        [MemoryPackable] public sealed partial record Overridden(int Value);

        public sealed class NegatingFormatter : MemoryPackFormatter<Overridden>
        {
            public override void Serialize<TBufferWriter>(ref MemoryPackWriter<TBufferWriter> writer, scoped ref Overridden? value)
                => writer.WriteUnmanaged(-value!.Value);

            public override void Deserialize(ref MemoryPackReader reader, scoped ref Overridden? value)
                => value = new Overridden(-reader.ReadUnmanaged<int>());
        }

        public sealed class NegatingPlainFormatter : MemoryPackFormatter<PlainOverridden>
        {
            public override void Serialize<TBufferWriter>(ref MemoryPackWriter<TBufferWriter> writer, scoped ref PlainOverridden? value)
                => writer.WriteUnmanaged(-value!.Value);

            public override void Deserialize(ref MemoryPackReader reader, scoped ref PlainOverridden? value)
                => value = new PlainOverridden(-reader.ReadUnmanaged<int>());
        }

        public static class Registration
        {
            [System.Runtime.CompilerServices.ModuleInitializer]
            public static void Register()
            {
                MemoryPackFormatterProvider.Register(new NegatingFormatter());
                MemoryPackFormatterProvider.Register(new NegatingPlainFormatter());
            }
        }
        """;

    private const string Contract = """
        using System.Threading.Channels;
        using Channels;

        namespace Direct;

        [ChannelContract]
        public partial interface IDirect
        {
            ChannelWriter<Small> Small { get; }
            ChannelWriter<Everything> Everything { get; }
            ChannelWriter<Texts?> Texts { get; }
            ChannelWriter<NotSealed> NotSealed { get; }
            ChannelWriter<Child> Child { get; }
            ChannelWriter<WithBody> WithBody { get; }
            ChannelWriter<Ordered> Ordered { get; }
            ChannelWriter<Tolerant> Tolerant { get; }
            ChannelWriter<Stamped> Stamped { get; }
            ChannelWriter<PlainStamped> PlainStamped { get; }
            ChannelWriter<WithNullable> WithNullable { get; }
            ChannelWriter<WithList> WithList { get; }
            ChannelWriter<WithTwoConstructors> WithTwoConstructors { get; }
            ChannelWriter<NotARecord> NotARecord { get; }
            ChannelWriter<Plain> Plain { get; }
            ChannelWriter<PlainWithList> PlainWithList { get; }
            ChannelWriter<PlainOverridden> PlainOverridden { get; }
            ChannelWriter<SelfPacked> SelfPacked { get; }
            ChannelWriter<Overridden> Overridden { get; }
        }
        """;

    private static readonly Lazy<Loaded> Direct = new(() => Loaded.Compile(("/src/Messages.cs", Messages), ("/src/Contract.cs", Contract)));

    [Fact]
    public void OnlySealedPositionalRecordsOfPrimitivesEnumsAndStringsWithPlainMemoryPackableGetADirectCodec()
    {
        Loaded loaded = Direct.Value;
        var direct = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Type codec in loaded.Type("Direct.IDirect").GetNestedTypes(System.Reflection.BindingFlags.NonPublic))
        {
            if (codec.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Channels.Contracts.IDirectLaneCodec<>)))
            {
                if (codec.Name is "__Codec_Direct_Overridden" or "__Codec_Direct_PlainOverridden")
                    continue;
                direct.Add(codec.Name);
                // The bytes are MemoryPack's, so the link may still treat them as such.
                Assert.True(typeof(Channels.Contracts.IMemoryPackLaneCodec).IsAssignableFrom(codec));
            }
        }

        Assert.Equal(new[] { "__Codec_Direct_Everything", "__Codec_Direct_NotSealed", "__Codec_Direct_Plain", "__Codec_Direct_PlainStamped", "__Codec_Direct_Small", "__Codec_Direct_Stamped", "__Codec_Direct_Texts_N" }, direct.ToArray());
    }

    [Theory]
    [InlineData("Overridden", "Small")]
    [InlineData("PlainOverridden", "Plain")]
    public void AFormatterTheApplicationRegisteredWinsOverTheDirectEncoding(string overridden, string kept)
    {
        Loaded loaded = Direct.Value;
        Loaded.Codec codec = loaded.GetCodec("Direct.IDirect", "__Codec_Direct_" + overridden);
        Assert.False(EncodesDirectly(codec));
        Assert.True(EncodesDirectly(loaded.GetCodec("Direct.IDirect", "__Codec_Direct_" + kept)));

        object value = loaded.Create("Direct." + overridden, 5);
        byte[] encoded = Encode(codec, value);
        Assert.Equal(BitConverter.GetBytes(-5), encoded);
        Assert.Equal(value, codec.Decode(encoded));
    }

    [Fact]
    public void APlainRecordEncodesAsTheGeneratedFormatterDoesAndWantsEveryMember()
    {
        Loaded loaded = Direct.Value;
        Type mood = loaded.Type("Direct.Mood");
        foreach (string? text in new[] { null, "", "plain", "ünïcode 😀" })
            AssertSameAsMemoryPack(loaded, "__Codec_Direct_Plain", loaded.Create("Direct.Plain", 3, text, Enum.ToObject(mood, -300)));

        Loaded.Codec codec = loaded.GetCodec("Direct.IDirect", "__Codec_Direct_Plain");
        byte[] whole = codec.Encode(loaded.Create("Direct.Plain", 3, "x", Enum.ToObject(mood, 1)));
        // The generated formatter refuses a header with fewer members; so does the codec.
        AssertRefused(codec, [2, .. whole.AsSpan(1, whole.Length - 3)]);
        Assert.Throws<MemoryPack.MemoryPackSerializationException>(() => MemoryPackDeserialize(loaded.Type("Direct.Plain"), [2, .. whole.AsSpan(1, whole.Length - 3)]));
        for (int length = 0; length < whole.Length; length++)
            AssertRefused(codec, whole.AsSpan(0, length).ToArray());
    }

    private static bool EncodesDirectly(Loaded.Codec codec)
        => (bool)codec.Instance.GetType().GetProperty("EncodesDirectly")!.GetValue(codec.Instance)!;

    public static TheoryData<string> Strings => new()
    {
        "", "a", "0123456789abcdef", "é", "日本語のテキスト", "😀 and 😃", "\uD800 lone high", "lone low \uDC00", new string('x', 5000), "nul\0inside",
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public void ASmallRecordEncodesToMemoryPacksBytesAndBothDecodeEachOther(string text)
    {
        Loaded loaded = Direct.Value;
        object value = loaded.Create("Direct.Small", -17, 3.25, text);
        AssertSameAsMemoryPack(loaded, "__Codec_Direct_Small", value);
    }

    [Fact]
    public void EveryMemberTypeEncodesToMemoryPacksBytes()
    {
        Loaded loaded = Direct.Value;
        Type mood = loaded.Type("Direct.Mood");
        object[] moods = [Enum.ToObject(mood, 1), Enum.ToObject(mood, -300), Enum.ToObject(mood, 12345)];
        foreach (object m in moods)
        {
            object low = loaded.Create("Direct.Everything", false, '\0', sbyte.MinValue, byte.MinValue, short.MinValue, ushort.MinValue, int.MinValue, uint.MinValue, long.MinValue, ulong.MinValue, float.NegativeInfinity, double.NaN, m, null, "");
            object high = loaded.Create("Direct.Everything", true, '\uFFFF', sbyte.MaxValue, byte.MaxValue, short.MaxValue, ushort.MaxValue, int.MaxValue, uint.MaxValue, long.MaxValue, ulong.MaxValue, float.Epsilon, double.MaxValue, m, "note ü", "title");
            AssertSameAsMemoryPack(loaded, "__Codec_Direct_Everything", low);
            AssertSameAsMemoryPack(loaded, "__Codec_Direct_Everything", high);
        }
    }

    [Fact]
    public void AnInstanceOfADerivedRecordIsEncodedAsItsBaseAsMemoryPackDoes()
    {
        Loaded loaded = Direct.Value;
        Loaded.Codec codec = loaded.GetCodec("Direct.IDirect", "__Codec_Direct_NotSealed");
        object derived = loaded.Create("Direct.Derived", 9, "nine", "dropped");
        Type baseType = loaded.Type("Direct.NotSealed");
        byte[] memoryPack = MemoryPackSerialize(baseType, derived);
        Assert.Equal(Convert.ToHexString(memoryPack), Convert.ToHexString(Encode(codec, derived)));
        Assert.Equal(loaded.Create("Direct.NotSealed", 9, "nine"), codec.Decode(memoryPack));
    }

    [Fact]
    public void UnmanagedStructMembersAreWrittenAsTheirRawBytesAsTheFormattersDo()
    {
        Loaded loaded = Direct.Value;
        object point = loaded.Create("Direct.Point", -3, 77);
        var when = new DateTime(2026, 12, 7, 23, 0, 0, DateTimeKind.Utc);
        AssertSameAsMemoryPack(loaded, "__Codec_Direct_Stamped", loaded.Create("Direct.Stamped",
            when, new DateTimeOffset(when.Ticks, TimeSpan.FromHours(-5)), TimeSpan.FromMilliseconds(1234.5), Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), 12345.6789m, point, "label"));
        AssertSameAsMemoryPack(loaded, "__Codec_Direct_Stamped", loaded.Create("Direct.Stamped",
            DateTime.MinValue, DateTimeOffset.MaxValue, TimeSpan.MinValue, Guid.Empty, decimal.MinValue, loaded.Create("Direct.Point", 0, 0), ""));
        AssertSameAsMemoryPack(loaded, "__Codec_Direct_PlainStamped", loaded.Create("Direct.PlainStamped", when, Guid.NewGuid(), -0.5m, point));
    }

    [Fact]
    public void NullRecordsAndNullStringsTravelAsMemoryPackWritesThem()
    {
        Loaded loaded = Direct.Value;
        Loaded.Codec codec = loaded.GetCodec("Direct.IDirect", "__Codec_Direct_Texts_N");
        Assert.Equal(new byte[] { 255 }, Encode(codec, null));
        Assert.Null(codec.Decode(new byte[] { 255 }));
        AssertSameAsMemoryPack(loaded, "__Codec_Direct_Texts_N", loaded.Create("Direct.Texts", null, null));
        AssertSameAsMemoryPack(loaded, "__Codec_Direct_Texts_N", loaded.Create("Direct.Texts", "", null));
    }

    [Fact]
    public void AHeaderWithFewerMembersLeavesTheRestAtTheirDefaultsAsMemoryPackDoes()
    {
        Loaded loaded = Direct.Value;
        Loaded.Codec codec = loaded.GetCodec("Direct.IDirect", "__Codec_Direct_Small");
        // A peer whose record had only Id: header 1, then the int.
        byte[] older = [1, 42, 0, 0, 0];
        object decoded = codec.Decode(older);
        Assert.Equal(loaded.Create("Direct.Small", 42, 0.0, null), decoded);
        Assert.Equal(decoded, MemoryPackDeserialize(loaded.Type("Direct.Small"), older));
        Assert.Equal(loaded.Create("Direct.Small", 0, 0.0, null), codec.Decode(new byte[] { 0 }));
    }

    [Fact]
    public void EveryTruncationAndEveryTrailingByteIsAProtocolException()
    {
        Loaded loaded = Direct.Value;
        Loaded.Codec codec = loaded.GetCodec("Direct.IDirect", "__Codec_Direct_Small");
        byte[] whole = codec.Encode(loaded.Create("Direct.Small", 7, 1.5, "héllo wörld"));
        for (int length = 0; length < whole.Length; length++)
            AssertRefused(codec, whole.AsSpan(0, length).ToArray());
        AssertRefused(codec, [.. whole, 0]);
        AssertRefused(codec, [255, 0]);
    }

    [Fact]
    public void HostileHeadersAndLengthsAreProtocolExceptionsWithoutLargeAllocations()
    {
        Loaded loaded = Direct.Value;
        Loaded.Codec codec = loaded.GetCodec("Direct.IDirect", "__Codec_Direct_Small");
        byte[] prefix = [3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        // More members than the type has; MemoryPack's reserved markers.
        foreach (byte header in new byte[] { 4, 200, 249, 250, 251, 254 })
            AssertRefused(codec, [header, .. prefix.AsSpan(1)]);
        // UTF-16 of a billion chars; UTF-8 with more chars than bytes, no chars, or a billion bytes; invalid UTF-8.
        AssertRefused(codec, [.. prefix, .. Int(1_000_000_000), (byte)'a', 0]);
        AssertRefused(codec, [.. prefix, .. Int(~2), .. Int(3), (byte)'a', (byte)'b']);
        AssertRefused(codec, [.. prefix, .. Int(~2), .. Int(0), (byte)'a', (byte)'b']);
        AssertRefused(codec, [.. prefix, .. Int(~1_000_000_000), .. Int(1_000_000_000), (byte)'a']);
        AssertRefused(codec, [.. prefix, .. Int(~2), .. Int(2), 0xC3, 0x28]);
        // Valid UTF-8 ("é"), but one char, not the two announced (as many chars as bytes reads as ASCII).
        AssertRefused(codec, [.. prefix, .. Int(~2), .. Int(2), 0xC3, 0xA9]);
        AssertRefused(codec, [.. prefix, .. Int(~3), .. Int(1), 0xED, 0xA0, 0x80]);
        AssertRefused(codec, [.. prefix, .. Int(-2)]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRefused(codec, [.. prefix, .. Int(~int.MaxValue), .. Int(int.MaxValue)]);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "a hostile length sized an allocation");
    }

    [Fact]
    public void AStringTooLongForOneMessageIsRefusedBeforeAnythingIsWritten()
    {
        Loaded loaded = Direct.Value;
        Type small = loaded.Type("Direct.Small");
        Type codecType = loaded.Type("Direct.IDirect+__Codec_Direct_Small");
        object codec = codecType.GetField("Instance")!.GetValue(null)!;
        // 800 M chars would take up to 2.4 GB of UTF-8.
        string huge = new('x', 800_000_000);
        object value = Activator.CreateInstance(small, 1, 1.0, huge)!;
        var error = Assert.Throws<System.Reflection.TargetInvocationException>(() => codecType.GetMethod("GetMaxEncodedSize")!.Invoke(codec, [value]));
        Assert.IsType<ArgumentException>(error.InnerException);
    }

    private static void AssertSameAsMemoryPack(Loaded loaded, string codecName, object value)
    {
        Loaded.Codec codec = loaded.GetCodec("Direct.IDirect", codecName);
        byte[] memoryPack = MemoryPackSerialize(value.GetType(), value);
        byte[] direct = Encode(codec, value);
        Assert.Equal(Convert.ToHexString(memoryPack), Convert.ToHexString(direct));
        Assert.Equal(value, codec.Decode(memoryPack));
        Assert.Equal(value, MemoryPackDeserialize(value.GetType(), direct));

        // The span overload writes the same bytes and no more than it bounded.
        Type codecType = codec.Instance.GetType();
        int max = (int)codecType.GetMethod("GetMaxEncodedSize")!.Invoke(codec.Instance, [value])!;
        Assert.True(max >= direct.Length);
        Assert.Equal(direct, EncodeIntoSpan(codec.Instance, value, max));
    }

    private static byte[] Encode(Loaded.Codec codec, object? value)
    {
        var output = new ArrayBufferWriter<byte>();
        codec.EncodeMethod.Invoke(codec.Instance, [output, value]);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] EncodeIntoSpan(object codec, object value, int max)
    {
        System.Reflection.MethodInfo method = typeof(DirectCodecTests).GetMethod(nameof(EncodeIntoSpanOf), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(value.GetType());
        return (byte[])method.Invoke(null, [codec, value, max])!;
    }

    private static byte[] EncodeIntoSpanOf<T>(object codec, T value, int max)
    {
        byte[] buffer = new byte[max];
        int written = ((Channels.Contracts.IDirectLaneCodec<T>)codec).Encode(buffer, in value);
        return buffer.AsSpan(0, written).ToArray();
    }

    private static void AssertRefused(Loaded.Codec codec, byte[] payload)
    {
        var error = Assert.Throws<ProtocolException>(() => codec.Decode(payload));
        Assert.Contains("is not a valid encoding of", error.Message);
    }

    private static byte[] Int(int value) => BitConverter.GetBytes(value);

    private static byte[] MemoryPackSerialize(Type type, object value)
        => (byte[])typeof(MemoryPack.MemoryPackSerializer).GetMethods()
            .Single(m => m.Name == "Serialize" && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 1 && m.GetParameters().Length == 2 && m.GetParameters()[0].ParameterType.IsByRef)
            .MakeGenericMethod(type).Invoke(null, [value, null])!;

    private static object? MemoryPackDeserialize(Type type, byte[] bytes)
        => MemoryPack.MemoryPackSerializer.Deserialize(type, bytes);
}
