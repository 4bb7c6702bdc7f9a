using Channels.Runtime.Tests.Infrastructure;
using Channels.Wire;
using MemoryPack;
using Xunit;

namespace Channels.Runtime.Tests.Wire;

/// <summary>
/// A link encodes <c>[MemoryPackable]</c> messages itself (<see cref="PackableEncoder{T}"/>): the bytes must be exactly
/// MemoryPack's, message after message on one thread, whatever the previous message left behind (references of a
/// circular graph, an encoding that threw), and a formatter a program registered must still be used.
/// </summary>
public sealed partial class PackableEncoderTests
{
    [MemoryPackable]
    public sealed partial record Note(int Id, string? Text, double[]? Values);

    [MemoryPackable]
    public partial struct Labelled
    {
        public int X;
        public string? Label;
    }

    [MemoryPackable(GenerateType.VersionTolerant)]
    public sealed partial class Tolerant
    {
        [MemoryPackOrder(0)]
        public int A { get; set; }

        [MemoryPackOrder(1)]
        public string? B { get; set; }
    }

    [MemoryPackable]
    public sealed partial record Overridden(int Value);

    private sealed class OverridingFormatter : MemoryPackFormatter<Overridden>
    {
        public override void Serialize<TBufferWriter>(ref MemoryPackWriter<TBufferWriter> writer, scoped ref Overridden? value)
            => writer.WriteUnmanaged(0xC0FFEE);

        public override void Deserialize(ref MemoryPackReader reader, scoped ref Overridden? value)
        {
            reader.ReadUnmanaged(out int _);
            value = new Overridden(-1);
        }
    }

    public static TheoryData<Note?> Notes => new()
    {
        new Note(1, "sixteen chars!!!", [1.5, -2.25]),
        new Note(int.MinValue, null, null),
        new Note(0, "", []),
        new Note(7, new string('ü', 3000), new double[500]),
        // Larger than the buffer's first array: the writer asks it to grow in the middle of the message.
        new Note(8, new string('z', 100_000), new double[20_000]),
        null,
    };

    [Theory]
    [MemberData(nameof(Notes))]
    public void A_record_encodes_as_MemoryPack_does(Note? note)
    {
        Assert.True(PackableEncoder<Note?>.IsAvailable);
        Assert.Equal(MemoryPackSerializer.Serialize(note), Encode(note));
    }

    [Fact]
    public void Structs_and_version_tolerant_types_encode_as_MemoryPack_does()
    {
        var labelled = new Labelled { X = 42, Label = "x" };
        var tolerant = new Tolerant { A = 3, B = "b" };
        Assert.Equal(MemoryPackSerializer.Serialize(labelled), Encode(labelled));
        Assert.Equal(MemoryPackSerializer.Serialize(tolerant), Encode(tolerant));
    }

    [Fact]
    public void A_circular_graph_encodes_the_same_every_time()
    {
        var first = new RingNode { Value = 1 };
        var second = new RingNode { Value = 2, Next = first };
        first.Next = second;
        byte[] expected = MemoryPackSerializer.Serialize(first);

        // One thread, one buffer, three messages: each starts with no references recorded.
        using var buffer = new OutputBuffer();
        for (int i = 0; i < 3; i++)
            PackableEncoder<RingNode>.Encode(buffer, first);

        byte[] written = buffer.WrittenSpan.ToArray();
        Assert.Equal(3 * expected.Length, written.Length);
        for (int i = 0; i < 3; i++)
            Assert.Equal(expected, written.AsSpan(i * expected.Length, expected.Length).ToArray());
    }

    [Fact]
    public void An_encoding_that_throws_leaves_nothing_for_the_next_message()
    {
        // The inner node throws once both nodes were recorded as references.
        var inner = new RingNode { Value = 1, Poisoned = true };
        var outer = new RingNode { Value = 0, Next = inner };
        using var buffer = new OutputBuffer();
        Assert.Throws<InvalidOperationException>(() => PackableEncoder<RingNode>.Encode(buffer, outer));

        var node = new RingNode { Value = 5 };
        node.Next = node;
        buffer.Reset();
        PackableEncoder<RingNode>.Encode(buffer, node);
        Assert.Equal(MemoryPackSerializer.Serialize(node), buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void A_formatter_registered_for_the_type_is_kept()
    {
        MemoryPackFormatterProvider.Register(new OverridingFormatter());

        Assert.False(PackableEncoder<Overridden>.IsAvailable);
    }

    [Fact]
    public void Types_without_their_own_serializer_are_left_to_their_codec()
    {
        Assert.False(PackableEncoder<string>.IsAvailable);
        Assert.False(PackableEncoder<int[]>.IsAvailable);
        Assert.False(PackableEncoder<List<Note>>.IsAvailable);
    }

    [Fact]
    public void States_are_reused_by_one_thread_and_never_shared_while_in_use()
    {
        Assert.True(WriterStates.IsAvailable);
        MemoryPackWriterOptionalState outer = WriterStates.Rent();
        MemoryPackWriterOptionalState nested = WriterStates.Rent();
        Assert.NotSame(outer, nested);
        Assert.NotNull(outer.Options);
        Assert.NotNull(nested.Options);
        WriterStates.Return(nested);
        WriterStates.Return(outer);

        MemoryPackWriterOptionalState again = WriterStates.Rent();
        Assert.Same(outer, again);
        Assert.NotNull(again.Options);
        WriterStates.Return(again);
    }

    private static byte[] Encode<T>(T value)
    {
        using var buffer = new OutputBuffer();
        PackableEncoder<T>.Encode(buffer, value);
        return buffer.WrittenSpan.ToArray();
    }
}
