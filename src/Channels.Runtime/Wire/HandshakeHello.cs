using System.Buffers.Binary;
using System.Text;

namespace Channels.Wire;

/// <summary>
/// What each side sends first: <c>magic "CHNL" | u16 version | u8 role | u8 flags (bit 0: offers shared memory) | u64 fingerprint |
/// u32 window messages | u32 window bytes | u32 max frame size | nonce[32] | u16 name length | name (UTF-8)</c>.
/// </summary>
internal sealed record HandshakeHello(
    LinkRole Role, ulong Fingerprint, int WindowMessages, int WindowBytes, int MaxFrameSize, byte[] Nonce, string ContractName)
{
    /// <summary>Flag bit: this side can and may carry the link in shared memory (<see cref="OffersSharedMemory"/>).</summary>
    public const byte SharedMemoryFlag = 1;

    /// <summary>This side can map shared memory and its options allow it; when both sides offer it, the link moves to shared memory after the handshake.</summary>
    public bool OffersSharedMemory { get; init; }

    /// <summary>The protocol version this runtime speaks.</summary>
    public const ushort ProtocolVersion = 1;

    /// <summary>Size of everything before the name.</summary>
    public const int FixedSize = 4 + 2 + 1 + 1 + 8 + 4 + 4 + 4 + NonceSize + 2;

    /// <summary>Size of the random challenge.</summary>
    public const int NonceSize = 32;

    /// <summary>Longest contract name accepted, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 1024;

    /// <summary>The four bytes every Channels connection starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "CHNL"u8;

    /// <summary>Encodes this hello.</summary>
    public byte[] Encode()
    {
        byte[] name = Encoding.UTF8.GetBytes(ContractName);
        if (name.Length > MaxNameBytes)
            throw new ArgumentException($"Contract name '{ContractName}' is {name.Length} UTF-8 bytes; the handshake allows {MaxNameBytes}.");
        var bytes = new byte[FixedSize + name.Length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span.Slice(4), ProtocolVersion);
        span[6] = (byte)Role;
        span[7] = OffersSharedMemory ? SharedMemoryFlag : (byte)0;
        BinaryPrimitives.WriteUInt64LittleEndian(span.Slice(8), Fingerprint);
        BinaryPrimitives.WriteInt32LittleEndian(span.Slice(16), WindowMessages);
        BinaryPrimitives.WriteInt32LittleEndian(span.Slice(20), WindowBytes);
        BinaryPrimitives.WriteInt32LittleEndian(span.Slice(24), MaxFrameSize);
        Nonce.CopyTo(span.Slice(28));
        BinaryPrimitives.WriteUInt16LittleEndian(span.Slice(28 + NonceSize), (ushort)name.Length);
        name.CopyTo(span.Slice(FixedSize));
        return bytes;
    }

    /// <summary>Validates the fixed part and returns the name's length, so that the caller reads exactly that many bytes next.</summary>
    public static int ReadNameLength(ReadOnlySpan<byte> fixedPart)
    {
        if (!fixedPart.Slice(0, 4).SequenceEqual(Magic))
            FrameParser.ThrowProtocol("The other side is not a Channels endpoint: its first bytes are not the handshake magic \"CHNL\".");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart.Slice(4));
        if (version != ProtocolVersion)
            FrameParser.ThrowProtocol($"The other side speaks protocol version {version}; this side speaks {ProtocolVersion}.");
        if (fixedPart[6] is not ((byte)LinkRole.Opener or (byte)LinkRole.Peer))
            FrameParser.ThrowProtocol($"Handshake role {fixedPart[6]} is unknown.");
        if ((fixedPart[7] & ~SharedMemoryFlag) != 0)
            FrameParser.ThrowProtocol($"Handshake flags {fixedPart[7]} are unknown.");
        int windowMessages = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.Slice(16));
        int windowBytes = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.Slice(20));
        int maxFrame = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.Slice(24));
        if (windowMessages < 1 || windowBytes < 1)
            FrameParser.ThrowProtocol($"Handshake announces a lane window of {windowMessages} messages and {windowBytes} bytes; both must be positive.");
        if (maxFrame < FrameLayout.MinimumMaxFrameSize)
            FrameParser.ThrowProtocol($"Handshake announces a maximum frame size of {maxFrame} bytes; at least {FrameLayout.MinimumMaxFrameSize} is required.");
        ushort nameLength = BinaryPrimitives.ReadUInt16LittleEndian(fixedPart.Slice(28 + NonceSize));
        if (nameLength == 0 || nameLength > MaxNameBytes)
            FrameParser.ThrowProtocol($"Handshake contract name is {nameLength} bytes; it must be 1 to {MaxNameBytes}.");
        return nameLength;
    }

    /// <summary>Decodes a hello whose fixed part passed <see cref="ReadNameLength"/>.</summary>
    public static HandshakeHello Decode(ReadOnlySpan<byte> fixedPart, ReadOnlySpan<byte> name)
    {
        string contractName;
        try
        {
            contractName = StrictUtf8.GetString(name);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ProtocolException("Handshake contract name is not valid UTF-8.", ex);
        }
        return new HandshakeHello(
            (LinkRole)fixedPart[6],
            BinaryPrimitives.ReadUInt64LittleEndian(fixedPart.Slice(8)),
            BinaryPrimitives.ReadInt32LittleEndian(fixedPart.Slice(16)),
            BinaryPrimitives.ReadInt32LittleEndian(fixedPart.Slice(20)),
            BinaryPrimitives.ReadInt32LittleEndian(fixedPart.Slice(24)),
            fixedPart.Slice(28, NonceSize).ToArray(),
            contractName)
        {
            OffersSharedMemory = (fixedPart[7] & SharedMemoryFlag) != 0,
        };
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
