using System.Globalization;

namespace Channels.Nats.Queues;

/// <summary>
/// Reads the stream sequence of a JetStream delivery from its reply subject, the subject its acknowledgement goes
/// to: <c>$JS.ACK.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;stream seq&gt;.&lt;consumer seq&gt;.&lt;time&gt;.&lt;pending&gt;</c>,
/// or, from servers that add a domain and an account hash, <c>$JS.ACK.&lt;domain&gt;.&lt;account&gt;.&lt;stream&gt;...</c> with a token more at the end.
/// </summary>
internal static class AckSubject
{
    private const string Prefix = "$JS.ACK.";

    /// <summary>The stream sequence in <paramref name="replyTo"/>; false when it is not an acknowledgement subject.</summary>
    public static bool TryGetStreamSequence(string? replyTo, out ulong sequence)
    {
        sequence = 0;
        if (replyTo is null || !replyTo.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        ReadOnlySpan<char> rest = replyTo.AsSpan(Prefix.Length);
        // Tokens after "$JS.ACK.": 7 (stream, consumer, delivered, stream seq, consumer seq, time, pending) or, in the
        // newer form, 9 or more (domain and account hash first, a random token last).
        int tokens = rest.Count('.') + 1;
        int index = tokens == 7 ? 3 : tokens >= 9 ? 5 : -1;
        if (index < 0)
            return false;
        foreach (Range range in rest.Split('.'))
        {
            if (index-- == 0)
                return ulong.TryParse(rest[range], NumberStyles.None, CultureInfo.InvariantCulture, out sequence) && sequence > 0;
        }
        return false;
    }
}
