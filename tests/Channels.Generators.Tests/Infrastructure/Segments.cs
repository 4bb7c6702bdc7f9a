using System.Buffers;

namespace Channels.Generators.Tests.Infrastructure;

/// <summary>Splits bytes into a multi-segment <see cref="ReadOnlySequence{T}"/>, as a link's receive buffer may.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(byte[] bytes, int firstLength)
    {
        var first = new Segments(bytes.AsMemory(0, firstLength), 0);
        var second = new Segments(bytes.AsMemory(firstLength), firstLength);
        first.Next = second;
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }
}
