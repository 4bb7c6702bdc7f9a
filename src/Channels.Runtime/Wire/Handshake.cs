using System.Security.Cryptography;
using Channels.Contracts;

using Channels.Transports;

namespace Channels.Wire;

/// <summary>
/// The connect-time exchange, run by both sides at once over a fresh connection. Nothing about the contract is sent
/// before the other side has proved that it holds the key, so an unauthenticated client learns neither the contract
/// name nor its fingerprint:
/// <list type="number">
/// <item>each side sends its challenge (magic, version, role, a random nonce) and reads the other's;</item>
/// <item>each side proves it holds the key: <c>HMAC-SHA256(key, "channels-auth-v1" | prover role | verifier nonce | prover nonce)</c>,
/// in both directions, as Python's <c>multiprocessing.connection</c> does with <c>deliver_challenge</c> and <c>answer_challenge</c>;</item>
/// <item>each side sends a verdict byte (1 accepted, 0 refused), followed, only when it accepted the other's proof,
/// by its terms (contract name, schema fingerprint, receive window, maximum frame size);</item>
/// <item>each side compares the terms: the contract name and fingerprint must be equal, else <see cref="ContractMismatchException"/>.</item>
/// </list>
/// Both learn the outcome before any frame is read. The whole exchange is bounded by <see cref="ChannelOptions.HandshakeTimeout"/>.
/// </summary>
internal static class Handshake
{
    private const int ProofSize = 32;
    private const byte Accepted = 1;
    private const byte Refused = 0;

    /// <summary>Runs the handshake and returns the other side's hello.</summary>
    /// <exception cref="ContractMismatchException">The other side serves another contract or shape.</exception>
    /// <exception cref="AuthenticationFailedException">Either side's proof of the key was refused.</exception>
    /// <exception cref="ProtocolException">The other side sent something that is not a valid handshake or closed the connection.</exception>
    /// <exception cref="TimeoutException">The handshake took longer than <see cref="ChannelOptions.HandshakeTimeout"/>.</exception>
    public static async ValueTask<HandshakeHello> RunAsync(
        Stream stream, ContractDescriptor contract, LinkRole role, ChannelOptions options, ReadOnlyMemory<byte> key, string endpoint, CancellationToken cancellationToken)
    {
        if (key.Length == 0)
            throw new AuthenticationFailedException($"No key for endpoint '{endpoint}': a Channels endpoint requires a shared key.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.HandshakeTimeout);
        try
        {
            return await RunCoreAsync(stream, contract, role, options, key, endpoint, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The handshake with endpoint '{endpoint}' did not finish within {options.HandshakeTimeout.TotalSeconds:0.###} s (ChannelOptions.HandshakeTimeout).");
        }
        catch (IOException ex)
        {
            throw new ProtocolException($"The connection to endpoint '{endpoint}' failed during the handshake: {ex.Message}", ex);
        }
    }

    private static async ValueTask<HandshakeHello> RunCoreAsync(
        Stream stream, ContractDescriptor contract, LinkRole role, ChannelOptions options, ReadOnlyMemory<byte> key, string endpoint, CancellationToken ct)
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(HandshakeHello.NonceSize);
        bool offersSharedMemory = LinkTransports.OffersSharedMemory(options);
        await WriteAsync(stream, HandshakeHello.EncodeChallenge(role, nonce, offersSharedMemory), ct).ConfigureAwait(false);
        byte[] challenge = new byte[HandshakeHello.ChallengeSize];
        await ReadExactAsync(stream, challenge, endpoint, "challenge", ct).ConfigureAwait(false);
        (LinkRole remoteRole, byte[] remoteNonce, bool remoteOffersSharedMemory) = HandshakeHello.ReadChallenge(challenge);
        if (remoteRole == role)
            throw new ProtocolException($"Both sides of endpoint '{endpoint}' are {role}s; a link joins an opener and a peer.");

        await WriteAsync(stream, ComputeProof(key.Span, role, remoteNonce, nonce), ct).ConfigureAwait(false);
        byte[] remoteProof = new byte[ProofSize];
        await ReadExactAsync(stream, remoteProof, endpoint, "authentication proof", ct).ConfigureAwait(false);
        byte[] expected = ComputeProof(key.Span, remoteRole, nonce, remoteNonce);
        if (!CryptographicOperations.FixedTimeEquals(expected, remoteProof))
        {
            try
            {
                await WriteAsync(stream, [Refused], ct).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // The other side refused us too and closed first; the outcome is the same.
            }
            throw new AuthenticationFailedException($"Endpoint '{endpoint}': the other side ({remoteRole}) does not hold this side's key; connection refused.");
        }

        // The other side is authenticated: only now does it learn what this side serves.
        var local = new HandshakeHello(role, contract.Fingerprint, options.LaneWindowMessages, options.LaneWindowBytes, options.MaxFrameSize, nonce, contract.Name)
        {
            OffersSharedMemory = offersSharedMemory,
        };
        byte[] terms = local.EncodeTerms();
        byte[] verdictAndTerms = new byte[1 + terms.Length];
        verdictAndTerms[0] = Accepted;
        terms.CopyTo(verdictAndTerms, 1);
        await WriteAsync(stream, verdictAndTerms, ct).ConfigureAwait(false);
        byte[] verdict = new byte[1];
        try
        {
            await ReadExactAsync(stream, verdict, endpoint, "authentication verdict", ct).ConfigureAwait(false);
        }
        catch (ProtocolException ex)
        {
            throw new AuthenticationFailedException($"Endpoint '{endpoint}' closed the connection instead of accepting this side's key.", ex);
        }
        if (verdict[0] != Accepted)
            throw new AuthenticationFailedException($"Endpoint '{endpoint}' refused this side's key (wrong or stale key).");

        byte[] termsFixed = new byte[HandshakeHello.TermsFixedSize];
        await ReadExactAsync(stream, termsFixed, endpoint, "terms", ct).ConfigureAwait(false);
        byte[] name = new byte[HandshakeHello.ReadNameLength(termsFixed)];
        await ReadExactAsync(stream, name, endpoint, "contract name", ct).ConfigureAwait(false);
        HandshakeHello remote = HandshakeHello.Decode(remoteRole, remoteNonce, termsFixed, name) with { OffersSharedMemory = remoteOffersSharedMemory };
        if (remote.ContractName != contract.Name || remote.Fingerprint != contract.Fingerprint)
        {
            string detail = remote.ContractName == contract.Name
                ? "The message shapes differ: rebuild both sides from the same contract."
                : "The two sides use different contracts.";
            throw new ContractMismatchException(contract.Name, contract.Fingerprint, remote.ContractName, remote.Fingerprint, $"Endpoint '{endpoint}'. {detail}");
        }
        return remote;
    }

    private static async ValueTask WriteAsync(Stream stream, byte[] bytes, CancellationToken ct)
    {
        await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    internal static byte[] ComputeProof(ReadOnlySpan<byte> key, LinkRole prover, byte[] verifierNonce, byte[] proverNonce)
    {
        Span<byte> message = stackalloc byte[16 + 1 + 2 * HandshakeHello.NonceSize];
        "channels-auth-v1"u8.CopyTo(message);
        message[16] = (byte)prover;
        verifierNonce.CopyTo(message.Slice(17));
        proverNonce.CopyTo(message.Slice(17 + HandshakeHello.NonceSize));
        return HMACSHA256.HashData(key, message);
    }

    private static async ValueTask ReadExactAsync(Stream stream, Memory<byte> buffer, string endpoint, string what, CancellationToken ct)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.Slice(read), ct).ConfigureAwait(false);
            if (n == 0)
                throw new ProtocolException($"Endpoint '{endpoint}' closed the connection during the handshake (while this side waited for its {what}, {read} of {buffer.Length} bytes read).");
            read += n;
        }
    }
}
