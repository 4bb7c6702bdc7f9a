using System.Globalization;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;

namespace Channels.Nats.Queues;

/// <summary>
/// Asks a stream's leader whether it still stores a message, by sequence (<c>$JS.API.STREAM.MSG.GET</c>). On a
/// work-queue stream a message is removed once its acknowledgement is applied, and in a cluster every server applies
/// an acknowledgement only after the consumer's replicas have agreed on it: a message the leader no longer has was
/// acknowledged for good, whatever becomes of the server that confirmed the acknowledgement.
/// </summary>
internal sealed class StoredMessageProbe(NatsConnection connection, string stream)
{
    /// <summary>JetStream's error code for "no message found".</summary>
    private const int NoMessageFound = 10037;

    private readonly string _subject = "$JS.API.STREAM.MSG.GET." + stream;

    /// <summary>
    /// Whether the stream stores message <paramref name="sequence"/>: true or false as its leader answers; null when no
    /// answer came (no leader, the server away, or <paramref name="cancellationToken"/> fired).
    /// </summary>
    public async ValueTask<bool?> IsStoredAsync(ulong sequence, CancellationToken cancellationToken)
    {
        byte[] request = Encoding.ASCII.GetBytes("{\"seq\":" + sequence.ToString(CultureInfo.InvariantCulture) + "}");
        NatsMsg<NatsMemoryOwner<byte>> reply;
        try
        {
            reply = await connection.RequestAsync<ReadOnlyMemory<byte>, NatsMemoryOwner<byte>>(_subject, request, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException)
        {
            return null;
        }
        using NatsMemoryOwner<byte> data = reply.Data;
        if (reply.Headers is { Code: >= 100 })
            return null;
        return Parse(data.Memory.Span);
    }

    /// <summary>Reads an answer: a message (stored), the error "no message found" (not stored), anything else (unknown).</summary>
    internal static bool? Parse(ReadOnlySpan<byte> answer)
    {
        try
        {
            var reader = new Utf8JsonReader(answer);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("message"u8))
                    return true;
                if (reader.ValueTextEquals("error"u8))
                    return ErrorCode(ref reader) == NoMessageFound ? false : null;
                reader.Read();
                reader.Skip();
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static int ErrorCode(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool code = reader.ValueTextEquals("err_code"u8);
            reader.Read();
            if (code)
                return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value) ? value : 0;
            reader.Skip();
        }
        return 0;
    }
}
