using System.Buffers.Binary;
using Channels.TestChild.Contracts;
using Channels.Wire;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of the handshake: its messages one by one (challenge, terms, name) and the whole exchange
/// against a scripted other side that answers with a valid or bent challenge, a right or wrong proof, and any
/// verdict and terms. Every run ends at once with success or a clean refusal; none hangs.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class HandshakeFuzzTests(ITestOutputHelper output)
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly ChannelOptions Options = new() { HandshakeTimeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public void ChallengesAreReadOrRefusedCleanly()
        => FuzzRun.Sample(output, "handshake challenge", Gen.Frequency(
                (3, Gen.Select(Gen.Int[0, 7], Gen.Byte, Gen.Byte.Array[HandshakeHello.ChallengeSize]).Select((field, value, random) => Bend(Challenge(), field, value, random))),
                (1, Gen.Byte.Array[0, 64])),
            bytes => FuzzRun.Refuses<ProtocolException>(() => HandshakeHello.ReadChallenge(bytes), bytes.Length), FuzzRun.Iterations(0.5));

    [Fact]
    public void TermsAreReadOrRefusedCleanly()
        => FuzzRun.Sample(output, "handshake terms", Gen.Select(Gen.Byte.Array[HandshakeHello.TermsFixedSize], Gen.Byte.Array[0, 64]), input =>
        {
            (byte[] terms, byte[] name) = input;
            FuzzRun.Refuses<ProtocolException>(() =>
            {
                int length = HandshakeHello.ReadNameLength(terms);
                Assert.InRange(length, 1, HandshakeHello.MaxNameBytes);
                HandshakeHello.Decode(LinkRole.Opener, new byte[HandshakeHello.NonceSize], terms, name);
            }, terms.Length + name.Length);
        }, FuzzRun.Iterations(0.5));

    [Fact]
    public void WholeHandshakesAgainstAScriptedOtherSideEndCleanlyAndAtOnce()
        => FuzzRun.Sample(output, "whole handshakes", Script, script =>
        {
            var stream = new ScriptedPeer(script);
            ValueTask<HandshakeHello> run = Handshake.RunAsync(stream, ISimple.Definition.Descriptor, LinkRole.Opener, Options, Key, "fuzz", CancellationToken.None);
            // The stream answers synchronously: a handshake that has not ended now would wait for ever.
            Assert.True(run.IsCompleted, "the handshake waits for bytes that will never come");
            try
            {
                HandshakeHello remote = run.GetAwaiter().GetResult();
                Assert.Equal(ISimple.Definition.Descriptor.Name, remote.ContractName);
                Assert.True(script.RightProof && script.Verdict == 1, "accepted without a right proof and an accepting verdict");
            }
            catch (Exception ex) when (ex is ProtocolException or AuthenticationFailedException or ContractMismatchException)
            {
                // A clean refusal.
            }
            if (!script.RightProof)
                Assert.False(stream.SentTerms, "the contract was revealed to a side without the key");
        }, FuzzRun.Iterations(0.5));

    private sealed record HandshakeScript(byte[] Challenge, bool RightProof, byte[] WrongProof, byte Verdict, byte[] Terms, int Chunk);

    private static readonly Gen<HandshakeScript> Script =
        Gen.Select(
            Gen.Frequency((4, Gen.Const(Challenge())), (1, Gen.Select(Gen.Int[0, 7], Gen.Byte, Gen.Byte.Array[HandshakeHello.ChallengeSize]).Select((f, v, r) => Bend(Challenge(), f, v, r)))),
            Gen.Bool,
            Gen.Byte.Array[0, 40],
            Gen.Frequency((4, Gen.Const((byte)1)), (1, Gen.Byte)),
            Gen.Frequency((3, Gen.Select(Gen.Int[0, 6], Gen.Byte, Gen.Int[0, 3]).Select((f, v, cut) => Terms(f, v, cut))), (1, Gen.Byte.Array[0, 80])),
            Gen.Int[1, 64],
            (challenge, right, wrong, verdict, terms, chunk) => new HandshakeScript(challenge, right, wrong, verdict, terms, chunk));

    private static byte[] Challenge() => HandshakeHello.EncodeChallenge(LinkRole.Peer, Enumerable.Repeat((byte)7, HandshakeHello.NonceSize).ToArray());

    private static byte[] Bend(byte[] bytes, int field, byte value, byte[] random)
    {
        switch (field)
        {
            case 0: bytes[0] = value; break;                        // magic
            case 1: bytes[4] = value; break;                        // version
            case 2: bytes[6] = value; break;                        // role
            case 3: bytes[7] = value; break;                        // flags
            case 4: return bytes[..(value % bytes.Length)];         // cut short
            case 5: return random;
        }
        return bytes;
    }

    /// <summary>ISimple's terms with one field bent (or none), possibly cut short.</summary>
    private static byte[] Terms(int field, byte value, int cut)
    {
        var hello = new HandshakeHello(LinkRole.Peer, ISimple.Definition.Descriptor.Fingerprint, 16, 1 << 20, 1 << 20, new byte[HandshakeHello.NonceSize], ISimple.Definition.Descriptor.Name);
        byte[] terms = hello.EncodeTerms();
        switch (field)
        {
            case 0: terms[value % 8] ^= 0xFF; break;                                   // fingerprint
            case 1: BinaryPrimitives.WriteInt32LittleEndian(terms.AsSpan(8), -value); break; // window
            case 2: BinaryPrimitives.WriteInt32LittleEndian(terms.AsSpan(16), value); break; // max frame
            case 3: BinaryPrimitives.WriteUInt16LittleEndian(terms.AsSpan(20), (ushort)(value * 300)); break; // name length
            case 4: terms[^1] = 0xFF; break;                                          // bad UTF-8
        }
        return cut == 0 ? terms[..(terms.Length / 2)] : terms;
    }

    /// <summary>
    /// The other side, played from a script: it reads what the handshake writes (to learn its nonce and to see
    /// whether the terms were sent) and answers from the script, in chunks of the script's size.
    /// </summary>
    private sealed class ScriptedPeer(HandshakeScript script) : Stream
    {
        private readonly MemoryStream _written = new();
        private byte[] _answer = [];
        private int _position;
        private int _phase;

        public bool SentTerms => _written.Length > HandshakeHello.ChallengeSize + 32 + 1;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position == _answer.Length)
                Next();
            int n = Math.Min(Math.Min(buffer.Length, script.Chunk), _answer.Length - _position);
            _answer.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _written.Write(buffer.Span);
            return default;
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        private void Next()
        {
            _position = 0;
            byte[] written = _written.ToArray();
            _answer = _phase++ switch
            {
                0 => script.Challenge,
                1 when written.Length >= HandshakeHello.ChallengeSize && script.RightProof && script.Challenge.Length == HandshakeHello.ChallengeSize
                    => Handshake.ComputeProof(Key, (LinkRole)script.Challenge[6], written.AsSpan(8, HandshakeHello.NonceSize).ToArray(), script.Challenge.AsSpan(8, HandshakeHello.NonceSize).ToArray()),
                1 => script.WrongProof,
                2 => [script.Verdict, .. script.Terms],
                _ => [],                                               // then the other side has closed
            };
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
