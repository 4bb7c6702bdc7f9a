using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Unicode;

namespace Channels.Contracts;

/// <summary>
/// Writes the fields of one object in MemoryPack's encoding (an object header, unmanaged values as their raw bytes,
/// strings as UTF-8 with both lengths) into a span sized with <see cref="MaxStringSize"/> and
/// <see cref="Unsafe.SizeOf{T}"/>. Used by generated <see cref="IDirectLaneCodec{T}"/> implementations.
/// </summary>
public ref struct MemoryPackFieldWriter
{
    /// <summary>The bytes of an object header.</summary>
    public const int ObjectHeaderSize = 1;

    // MemoryPack's object header for null; 250..254 are its other markers.
    internal const byte NullObject = 255;

    private readonly Span<byte> _destination;
    private int _written;

    /// <summary>Writes from the start of <paramref name="destination"/>.</summary>
    public MemoryPackFieldWriter(Span<byte> destination)
    {
        _destination = destination;
        _written = 0;
    }

    /// <summary>The bytes written so far.</summary>
    public readonly int Written => _written;

    /// <summary>The most bytes <see cref="WriteString"/> writes for <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">The string is too long to encode in one message.</exception>
    public static int MaxStringSize(string? value)
    {
        if (value is null || value.Length == 0)
            return sizeof(int);
        // Two lengths, and at most three UTF-8 bytes per UTF-16 char (a surrogate pair takes four for two).
        long size = 2L * sizeof(int) + 3L * value.Length;
        return size <= Array.MaxLength
            ? (int)size
            : throw new ArgumentException($"A string of {value.Length} chars is too long to encode in one message.", nameof(value));
    }

    /// <summary>Adds the sizes of two parts of one message, failing when they exceed what one message may hold.</summary>
    /// <exception cref="ArgumentException">The sum exceeds 2 GiB.</exception>
    public static int AddSizes(int size, int more)
    {
        long sum = (long)size + more;
        return sum <= Array.MaxLength ? (int)sum : throw new ArgumentException("The message is too large to encode (over 2 GiB).");
    }

    /// <summary>Writes the header of an object of <paramref name="members"/> members.</summary>
    public void WriteObjectHeader(byte members)
    {
        if (members >= 250)
            throw new ArgumentOutOfRangeException(nameof(members), members, "MemoryPack's object header holds up to 249 members.");
        _destination[_written++] = members;
    }

    /// <summary>Writes the header that stands for a null object.</summary>
    public void WriteNullObject() => _destination[_written++] = NullObject;

    /// <summary>Writes <paramref name="value"/> as its raw bytes.</summary>
    public void Write<TValue>(TValue value)
        where TValue : unmanaged
    {
        MemoryMarshal.Write(_destination.Slice(_written), in value);
        _written += Unsafe.SizeOf<TValue>();
    }

    /// <summary>
    /// Writes <paramref name="value"/>: -1 for null, 0 for empty, otherwise the complement of its UTF-8 length, its
    /// UTF-16 length and its UTF-8 bytes (a lone surrogate becomes U+FFFD, as in MemoryPack).
    /// </summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            Write(-1);
            return;
        }

        if (value.Length == 0)
        {
            Write(0);
            return;
        }

        Span<byte> lengths = _destination.Slice(_written, 2 * sizeof(int));
        // Replacing invalid sequences is what Encoding.UTF8 (and so MemoryPack) does, without its virtual calls.
        if (Utf8.FromUtf16(value, _destination.Slice(_written + lengths.Length), out _, out int bytes) != OperationStatus.Done)
            throw new ArgumentException("The destination is shorter than MaxStringSize said.", nameof(value));
        MemoryMarshal.Write(lengths, ~bytes);
        MemoryMarshal.Write(lengths.Slice(sizeof(int)), value.Length);
        _written += lengths.Length + bytes;
    }
}
