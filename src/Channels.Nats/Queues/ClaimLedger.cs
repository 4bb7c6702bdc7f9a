using System.Globalization;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Channels.Nats.Queues;

/// <summary>
/// The claims of a plain queue's items: a stream with one subject per item (<c>&lt;claims subject&gt;.&lt;item's stream
/// sequence&gt;</c>) that takes only the first message of each subject (a publication that expects the subject to be
/// empty), so exactly one get can claim an item, however often and to whomever JetStream delivers it. A claim whose
/// answer was lost is made again; if the subject is taken by then, its message names the get that took it.
/// </summary>
/// <remarks>
/// A clustered stream answers a publication once its replicas agreed on it, and they apply publications in one
/// order, so the first claim wins on every replica and survives the loss of a node.
/// </remarks>
internal sealed class ClaimLedger(NatsJSContext js, NatsConnection connection, string stream, string subjectPrefix)
{
    /// <summary>JetStream's error code for "wrong last sequence": the subject has a message already.</summary>
    private const int WrongLastSequence = 10071;

    private readonly string _getSubject = "$JS.API.STREAM.MSG.GET." + stream;

    /// <summary>The claims stream of a queue: a claim is kept as long as its item could still be delivered again.</summary>
    public static StreamConfig Config(string stream, string subjectPrefix, string description, int replicas) => new(stream, [subjectPrefix + ".*"])
    {
        Description = description,
        Retention = StreamConfigRetention.Limits,
        MaxMsgsPerSubject = 1,
        MaxAge = KeptFor,
        Discard = StreamConfigDiscard.Old,
        Storage = StreamConfigStorage.File,
        NumReplicas = replicas,
    };

    /// <summary>How long a claim is kept: an item still in the queue (its getter died before removing it) this long after it was claimed can be claimed again.</summary>
    public static TimeSpan KeptFor { get; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Claims item <paramref name="sequence"/> for <paramref name="owner"/> (unique to one get): true when the claim is
    /// <paramref name="owner"/>'s (now, or by an earlier attempt whose answer was lost); false when another get's;
    /// null when no answer came (the server or the stream's leader away): try again.
    /// </summary>
    /// <exception cref="IOException">The server refused the claim for another reason.</exception>
    public async ValueTask<bool?> TryClaimAsync(ulong sequence, string owner, CancellationToken cancellationToken)
    {
        string subject = subjectPrefix + "." + sequence.ToString(CultureInfo.InvariantCulture);
        try
        {
            var headers = new NatsHeaders { ["Nats-Expected-Last-Subject-Sequence"] = "0" };
            PubAckResponse ack = await js.PublishAsync<ReadOnlyMemory<byte>>(subject, Encoding.UTF8.GetBytes(owner), headers: headers, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (ack.Error is null)
                return true;
            if (ack.Error.ErrCode == WrongLastSequence)
                return await IsOwnerAsync(subject, owner, cancellationToken).ConfigureAwait(false);
            if (ack.Error.Code is 503 or 408 or 504)
                return null;
            throw new IOException($"The claims stream '{stream}' refused a claim: {ack.Error.Description} (code {ack.Error.ErrCode}).");
        }
        catch (NatsJSApiException ex) when (ex.Error.ErrCode == WrongLastSequence)
        {
            return await IsOwnerAsync(subject, owner, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (JetStreamQueue.IsServerAway(ex))
        {
            return null;
        }
    }

    /// <summary>Whether the claim on <paramref name="subject"/> names <paramref name="owner"/>; null when it could not be read.</summary>
    private async ValueTask<bool?> IsOwnerAsync(string subject, string owner, CancellationToken cancellationToken)
    {
        byte[] request = Encoding.UTF8.GetBytes("{\"last_by_subj\":\"" + subject + "\"}");
        try
        {
            NatsMsg<NatsMemoryOwner<byte>> reply = await connection.RequestAsync<ReadOnlyMemory<byte>, NatsMemoryOwner<byte>>(_getSubject, request, cancellationToken: cancellationToken).ConfigureAwait(false);
            using NatsMemoryOwner<byte> data = reply.Data;
            if (reply.Headers is { Code: >= 100 })
                return null;
            return Owner(data.Memory.Span) is { } claimed ? claimed == owner : null;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException)
        {
            return null;
        }
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
