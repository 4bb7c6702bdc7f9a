using System.Buffers.Binary;
using System.Text;

namespace Channels.Wire;

/// <summary>
/// What each side learns of the other in the handshake, sent in two parts so that nothing about the contract
/// reaches a side that has not proved it holds the key:
/// <list type="bullet">
/// <item>the challenge, first: <c>magic "CHNL" | u16 version | u8 role | u8 flags | nonce[32]</c>, where flag bit 0
/// says that this side offers shared memory (a capability, nothing about the contract);</item>
/// <item>the terms, only after the other side's proof was accepted: <c>u64 fingerprint | u32 window messages |
/// u32 window bytes | u32 max frame size | u16 name length | name (UTF-8)</c>.</item>
/// </list>
/// </summary>
internal sealed record HandshakeHello(
    LinkRole Role, ulong Fingerprint, int WindowMessages, int WindowBytes, int MaxFrameSize, byte[] Nonce, string ContractName)
{
    /// <summary>The protocol version this runtime speaks (2: the contract is revealed only after authentication).</summary>
    public const ushort ProtocolVersion = 2;

    /// <summary>Challenge flag bit: this side can and may carry the link in shared memory (<see cref="OffersSharedMemory"/>).</summary>
    public const byte SharedMemoryFlag = 1;

    /// <summary>This side can map shared memory and its options allow it; when both sides offer it, the link moves to shared memory after the handshake.</summary>
    public bool OffersSharedMemory { get; init; }

    /// <summary>Size of the challenge.</summary>
    public const int ChallengeSize = 4 + 2 + 1 + 1 + NonceSize;

    /// <summary>Size of the terms before the name.</summary>
    public const int TermsFixedSize = 8 + 4 + 4 + 4 + 2;

    /// <summary>Size of the random challenge.</summary>
    public const int NonceSize = 32;

    /// <summary>Longest contract name accepted, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 1024;

    /// <summary>The four bytes every Channels connection starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "CHNL"u8;

    /// <summary>Encodes a challenge.</summary>
    public static byte[] EncodeChallenge(LinkRole role, ReadOnlySpan<byte> nonce, bool offersSharedMemory = false)
    {
        var bytes = new byte[ChallengeSize];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), ProtocolVersion);
        bytes[6] = (byte)role;
        bytes[7] = offersSharedMemory ? SharedMemoryFlag : (byte)0;
        nonce.CopyTo(bytes.AsSpan(8));
        return bytes;
    }

    /// <summary>Validates a challenge and returns the other side's role, nonce and shared-memory offer.</summary>
    /// <exception cref="ProtocolException">Not a Channels challenge of this version.</exception>
    public static (LinkRole Role, byte[] Nonce, bool OffersSharedMemory) ReadChallenge(ReadOnlySpan<byte> challenge)
    {
        if (challenge.Length != ChallengeSize)
            FrameParser.ThrowProtocol($"Handshake challenge is {challenge.Length} bytes; expected {ChallengeSize}.");
        if (!challenge.Slice(0, 4).SequenceEqual(Magic))
            FrameParser.ThrowProtocol("The other side is not a Channels endpoint: its first bytes are not the handshake magic \"CHNL\".");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(challenge.Slice(4));
        if (version != ProtocolVersion)
            FrameParser.ThrowProtocol($"The other side speaks protocol version {version}; this side speaks {ProtocolVersion}.");
        if (challenge[6] is not ((byte)LinkRole.Opener or (byte)LinkRole.Peer))
            FrameParser.ThrowProtocol($"Handshake role {challenge[6]} is unknown.");
        if ((challenge[7] & ~SharedMemoryFlag) != 0)
            FrameParser.ThrowProtocol($"Handshake flags {challenge[7]} are unknown.");
        return ((LinkRole)challenge[6], challenge.Slice(8, NonceSize).ToArray(), (challenge[7] & SharedMemoryFlag) != 0);
    }

    /// <summary>Encodes this side's terms.</summary>
    public byte[] EncodeTerms()
    {
        byte[] name = Encoding.UTF8.GetBytes(ContractName);
        if (name.Length > MaxNameBytes)
            throw new ArgumentException($"Contract name '{ContractName}' is {name.Length} UTF-8 bytes; the handshake allows {MaxNameBytes}.");
        var bytes = new byte[TermsFixedSize + name.Length];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(span, Fingerprint);
        BinaryPrimitives.WriteInt32LittleEndian(span.Slice(8), WindowMessages);
        BinaryPrimitives.WriteInt32LittleEndian(span.Slice(12), WindowBytes);
        BinaryPrimitives.WriteInt32LittleEndian(span.Slice(16), MaxFrameSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span.Slice(20), (ushort)name.Length);
        name.CopyTo(span.Slice(TermsFixedSize));
        return bytes;
    }

    /// <summary>Validates the fixed part of the terms and returns the name's length, so that the caller reads exactly that many bytes next.</summary>
    /// <exception cref="ProtocolException">A field is out of range.</exception>
    public static int ReadNameLength(ReadOnlySpan<byte> termsFixed)
    {
        if (termsFixed.Length != TermsFixedSize)
            FrameParser.ThrowProtocol($"Handshake terms are {termsFixed.Length} bytes before the name; expected {TermsFixedSize}.");
        int windowMessages = BinaryPrimitives.ReadInt32LittleEndian(termsFixed.Slice(8));
        int windowBytes = BinaryPrimitives.ReadInt32LittleEndian(termsFixed.Slice(12));
        int maxFrame = BinaryPrimitives.ReadInt32LittleEndian(termsFixed.Slice(16));
        if (windowMessages < 1 || windowBytes < 1)
            FrameParser.ThrowProtocol($"Handshake announces a lane window of {windowMessages} messages and {windowBytes} bytes; both must be positive.");
        if (maxFrame < FrameLayout.MinimumMaxFrameSize)
            FrameParser.ThrowProtocol($"Handshake announces a maximum frame size of {maxFrame} bytes; at least {FrameLayout.MinimumMaxFrameSize} is required.");
        ushort nameLength = BinaryPrimitives.ReadUInt16LittleEndian(termsFixed.Slice(20));
        if (nameLength == 0 || nameLength > MaxNameBytes)
            FrameParser.ThrowProtocol($"Handshake contract name is {nameLength} bytes; it must be 1 to {MaxNameBytes}.");
        return nameLength;
    }

    /// <summary>Decodes the other side's hello from its challenge's role and nonce and its terms, whose fixed part passed <see cref="ReadNameLength"/>.</summary>
    /// <exception cref="ProtocolException">The name is not valid UTF-8.</exception>
    public static HandshakeHello Decode(LinkRole role, byte[] nonce, ReadOnlySpan<byte> termsFixed, ReadOnlySpan<byte> name)
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
            role,
            BinaryPrimitives.ReadUInt64LittleEndian(termsFixed),
            BinaryPrimitives.ReadInt32LittleEndian(termsFixed.Slice(8)),
            BinaryPrimitives.ReadInt32LittleEndian(termsFixed.Slice(12)),
            BinaryPrimitives.ReadInt32LittleEndian(termsFixed.Slice(16)),
            nonce,
            contractName);
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
