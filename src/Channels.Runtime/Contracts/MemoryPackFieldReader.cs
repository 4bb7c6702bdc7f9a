using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace Channels.Contracts;

/// <summary>
/// Reads the fields of one object in MemoryPack's encoding (see <see cref="MemoryPackFieldWriter"/>) from a payload
/// that holds exactly that object. Every read checks the payload's bounds; a payload that is truncated, too long or
/// not a valid encoding ends with <see cref="ProtocolException"/>. Used by generated <see cref="IDirectLaneCodec{T}"/>
/// implementations.
/// </summary>
public ref struct MemoryPackFieldReader
{
    private readonly ReadOnlySpan<byte> _payload;
    private int _read;

    /// <summary>Reads <paramref name="payload"/> from its start.</summary>
    public MemoryPackFieldReader(ReadOnlySpan<byte> payload)
    {
        _payload = payload;
        _read = 0;
    }

    /// <summary>
    /// Reads an object header: false for a null object; otherwise the count of members that follow, which may be
    /// fewer than the type has (a peer with an older version of it: the rest keep their defaults) but not more.
    /// </summary>
    public bool TryReadObjectHeader(int members, out int count)
    {
        if (_read >= _payload.Length)
            throw Truncated();
        count = _payload[_read++];
        if (count == MemoryPackFieldWriter.NullObject)
            return false;
        if (count > members)
            throw new ProtocolException($"The object header says {count} members; the type has {members}.");
        return true;
    }

    /// <summary>
    /// Reads an object header that must announce exactly <paramref name="members"/> members (the formatters Channels
    /// generates for plain types want them all): false for a null object.
    /// </summary>
    public bool TryReadObjectHeaderOf(int members, out int count)
    {
        if (!TryReadObjectHeader(members, out count))
            return false;
        if (count != members)
            throw new ProtocolException($"The object header says {count} members; the type has {members}.");
        return true;
    }

    /// <summary>Reads a value written as its raw bytes.</summary>
    public TValue Read<TValue>()
        where TValue : unmanaged
    {
        if (_payload.Length - _read < Unsafe.SizeOf<TValue>())
            throw Truncated();
        TValue value = MemoryMarshal.Read<TValue>(_payload.Slice(_read));
        _read += Unsafe.SizeOf<TValue>();
        return value;
    }

    /// <summary>Reads a string in either of MemoryPack's encodings (UTF-8, or UTF-16 from a peer configured for it).</summary>
    public string? ReadString()
    {
        int header = Read<int>();
        if (header == -1)
            return null;
        if (header == 0)
            return string.Empty;
        if (header > 0)
        {
            if ((_payload.Length - _read) / sizeof(char) < header)
                throw Truncated();
            ReadOnlySpan<byte> utf16 = _payload.Slice(_read, header * sizeof(char));
            _read += utf16.Length;
            return new string(MemoryMarshal.Cast<byte, char>(utf16));
        }

        int bytes = ~header;
        int chars = Read<int>();
        // Valid UTF-8 never has more UTF-16 chars than bytes: a hostile length must not size an allocation.
        if (chars <= 0 || chars > bytes)
            throw new ProtocolException($"A string of {bytes} UTF-8 bytes cannot hold {chars} UTF-16 chars.");
        if (_payload.Length - _read < bytes)
            throw Truncated();
        ReadOnlySpan<byte> utf8 = _payload.Slice(_read, bytes);
        _read += bytes;
        // As many chars as bytes: valid UTF-8 of that length is ASCII only, which widens without decoding.
        if (chars == bytes)
        {
            return string.Create(chars, utf8, static (destination, source) =>
            {
                if (Ascii.ToUtf16(source, destination, out _) != OperationStatus.Done)
                    throw NotUtf8(source.Length, destination.Length);
            });
        }
        return string.Create(chars, utf8, static (destination, source) =>
        {
            OperationStatus status = Utf8.ToUtf16(source, destination, out int read, out int written, replaceInvalidSequences: false);
            if (status != OperationStatus.Done || read != source.Length || written != destination.Length)
                throw NotUtf8(source.Length, destination.Length);
        });
    }

    /// <summary>Checks that the payload held nothing after the object.</summary>
    public readonly void EnsureEnd()
    {
        if (_read != _payload.Length)
            throw new ProtocolException($"{_payload.Length - _read} bytes follow the end of the object.");
    }

    private static ProtocolException NotUtf8(int bytes, int chars)
        => new($"A string's {bytes} bytes are not valid UTF-8 of {chars} chars.");

    private readonly ProtocolException Truncated()
        => new($"The payload ends after {_payload.Length} bytes, inside the object.");
}
