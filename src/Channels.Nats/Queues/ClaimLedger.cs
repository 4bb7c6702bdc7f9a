using System.Globalization;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Channels.Nats.Queues;

/// <summary>
/// The claims of a plain queue's items: a stream with one subject per put (<c>&lt;claims subject&gt;.&lt;key&gt;</c>, the
/// key made of the put's message id) that takes only the first message of each subject (a publication that expects
/// the subject to be empty), so exactly one get can claim a put, however often and to whomever JetStream delivers it,
/// and even when the stream stored the put twice. A claim names its get and the stream sequence of the copy it
/// claimed, so a get refused can tell a copy of its message delivered to another get from a second stored copy of
/// the same put. A claim whose answer was lost is made again; the first claim of a subject, in the stream's order,
/// is the one that counts, and every get reads it.
/// </summary>
/// <remarks>
/// A clustered stream answers a publication once its replicas agreed on it, and they apply publications in one
/// order, so the first claim wins on every replica and survives the loss of a node. Keyed by the put's id rather
/// than the copy's sequence because nats-server 2.9 can store a put twice when its stream's leader changes while
/// the put is retried under its id (a new leader may take writes before it has applied its predecessor's last
/// entries, so it does not know their ids yet; the server fixed this in 2.11).
/// With <c>replicated</c> false (a claims stream of one replica, which checks and stores a claim in one step) a
/// taken claim is not read back.
/// </remarks>
internal sealed class ClaimLedger(NatsJSContext js, NatsConnection connection, string stream, string subjectPrefix, bool replicated)
{
    /// <summary>JetStream's error code for "wrong last sequence": the subject has a message already.</summary>
    private const int WrongLastSequence = 10071;

    private readonly string _getSubject = "$JS.API.STREAM.MSG.GET." + stream;

    /// <summary>The claims stream of a queue: a claim is kept as long as its item could still be delivered again.</summary>
    public static StreamConfig Config(string stream, string subjectPrefix, string description, int replicas) => new(stream, [subjectPrefix + ".*"])
    {
        Description = description,
        Retention = StreamConfigRetention.Limits,
        // Every claim a subject takes is kept (within the age limit): the first one is the winner.
        MaxMsgsPerSubject = -1,
        MaxAge = KeptFor,
        Discard = StreamConfigDiscard.Old,
        Storage = StreamConfigStorage.File,
        NumReplicas = replicas,
    };

    /// <summary>How long a claim is kept: an item still in the queue (its getter died before removing it) this long after it was claimed can be claimed again.</summary>
    public static TimeSpan KeptFor { get; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The claim subject's last token for a delivery: its put's message id when it is one subject token of plain
    /// characters (every put of this library), otherwise the copy's stream sequence.
    /// </summary>
    public static string Key(string? messageId, ulong sequence)
    {
        if (!string.IsNullOrEmpty(messageId) && messageId.Length <= 128)
        {
            bool plain = true;
            foreach (char c in messageId)
                plain &= char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
            if (plain)
                return "p" + messageId;
        }
        return "s" + sequence.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Claims the put <paramref name="key"/> (<see cref="Key"/>), delivered as stream sequence
    /// <paramref name="sequence"/>, for <paramref name="owner"/> (unique to one get, without spaces): whose the claim
    /// is (now, or by an earlier attempt whose answer was lost); null when no answer came (the server or the stream's
    /// leader away): try again.
    /// </summary>
    /// <exception cref="IOException">The server refused the claim for another reason.</exception>
    public async ValueTask<ClaimOutcome?> TryClaimAsync(string key, ulong sequence, string owner, CancellationToken cancellationToken)
    {
        string subject = subjectPrefix + "." + key;
        string claim = owner + " " + sequence.ToString(CultureInfo.InvariantCulture);
        try
        {
            var headers = new NatsHeaders { ["Nats-Expected-Last-Subject-Sequence"] = "0" };
            PubAckResponse ack = await js.PublishAsync<ReadOnlyMemory<byte>>(subject, Encoding.UTF8.GetBytes(claim), headers: headers, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (ack.Error is null)
            {
                // Taken, but a 2.9 cluster checks the expectation only against what its leader has stored, not
                // against claims still in flight: two gets claiming at once can both be taken. The first claim in
                // the stream's order wins, so this get reads it. A stream of one replica checks and stores in one
                // step: its answer is the truth.
                return replicated ? await ReadClaimAsync(subject, claim, sequence, cancellationToken).ConfigureAwait(false) : ClaimOutcome.Mine;
            }
            if (ack.Error.ErrCode == WrongLastSequence)
                return await ReadClaimAsync(subject, claim, sequence, cancellationToken).ConfigureAwait(false);
            if (ack.Error.Code is 503 or 408 or 504)
                return null;
            throw new IOException($"The claims stream '{stream}' refused a claim: {ack.Error.Description} (code {ack.Error.ErrCode}).");
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == WrongLastSequence)
        {
            return await ReadClaimAsync(subject, claim, sequence, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (JetStreamQueue.IsServerAway(ex))
        {
            return null;
        }
    }

    /// <summary>
    /// Whose the first claim on <paramref name="subject"/> is; null when it could not be read. A server answers from
    /// the entries it has applied, always a prefix of the stream's order, so the first claim it finds is the first.
    /// </summary>
    private async ValueTask<ClaimOutcome?> ReadClaimAsync(string subject, string claim, ulong sequence, CancellationToken cancellationToken)
    {
        byte[] request = Encoding.UTF8.GetBytes("{\"seq\":1,\"next_by_subj\":\"" + subject + "\"}");
        try
        {
            NatsMsg<NatsMemoryOwner<byte>> reply = await connection.RequestAsync<ReadOnlyMemory<byte>, NatsMemoryOwner<byte>>(_getSubject, request, cancellationToken: cancellationToken).ConfigureAwait(false);
            using NatsMemoryOwner<byte> data = reply.Data;
            if (reply.Headers is { Code: >= 100 })
                return null;
            return Owner(data.Memory.Span) is { } taken ? Judge(taken, claim, sequence) : null;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>What a claim found <paramref name="taken"/> means for the claim <paramref name="claim"/> of the copy <paramref name="sequence"/>.</summary>
    internal static ClaimOutcome Judge(string taken, string claim, ulong sequence)
    {
        if (taken == claim)
            return ClaimOutcome.Mine;
        int space = taken.LastIndexOf(' ');
        // A claim of another copy of the put: this copy was stored twice. Anything unreadable counts as this copy's.
        return space >= 0 && ulong.TryParse(taken.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ulong claimed) && claimed != sequence
            ? ClaimOutcome.AnotherCopy
            : ClaimOutcome.Another;
    }

    /// <summary>The owner a <c>STREAM.MSG.GET</c> answer names (its message's data); null for an error, no message or anything malformed.</summary>
    internal static string? Owner(ReadOnlySpan<byte> answer)
    {
        try
        {
            var reader = new Utf8JsonReader(answer);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool message = reader.ValueTextEquals("message"u8);
                if (!reader.Read())
                    return null;
                if (message)
                    return reader.TokenType == JsonTokenType.StartObject ? Data(ref reader) : null;
                reader.Skip();
            }
            return null;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? Data(ref Utf8JsonReader reader)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool data = reader.ValueTextEquals("data"u8);
            if (!reader.Read())
                return null;
            if (data)
                return reader.TokenType == JsonTokenType.String ? Encoding.UTF8.GetString(reader.GetBytesFromBase64()) : null;
            reader.Skip();
        }
        return null;
    }
}
