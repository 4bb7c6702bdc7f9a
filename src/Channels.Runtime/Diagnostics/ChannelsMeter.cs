using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Channels.Diagnostics;

/// <summary>
/// The meter <c>Channels</c> (visible in <c>dotnet-counters</c> and to OpenTelemetry's <c>AddMeter("Channels")</c>) and
/// its instruments. An instrument records nothing until a listener enables it. The full catalogue, with where each
/// instrument is recorded, is in docs/observability.md.
/// </summary>
public static class ChannelsMeter
{
    /// <summary>The meter's name.</summary>
    public const string Name = "Channels";

    /// <summary>The name of the counter of failed handshakes.</summary>
    public const string HandshakeFailuresName = "channels.link.handshake.failures";

    internal const string ContractTag = "channels.contract";
    internal const string LaneTag = "channels.lane";
    internal const string TransportTag = "channels.transport";
    internal const string RoleTag = "channels.role";
    internal const string QueueTag = "channels.queue";
    internal const string EntryTag = "channels.entry";
    internal const string ErrorTypeTag = "error.type";
    internal const string ExitCodeTag = "process.exit.code";

    private static readonly Meter Meter = new(Name, typeof(ChannelsMeter).Assembly.GetName().Version?.ToString());

    /// <summary>Messages sent per lane, added once per flushed batch.</summary>
    internal static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>(
        "channels.link.messages.sent", "{message}", "Messages a link sent, per contract, lane and transport.");

    /// <summary>Messages received per lane, added once per received frame.</summary>
    internal static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>(
        "channels.link.messages.received", "{message}", "Messages a link received, per contract, lane and transport.");

    /// <summary>Encoded message bytes sent per lane, added once per flushed batch.</summary>
    internal static readonly Counter<long> BytesSent = Meter.CreateCounter<long>(
        "channels.link.bytes.sent", "By", "Encoded message bytes a link sent, per contract, lane and transport.");

    /// <summary>Encoded message bytes received per lane, added once per received frame.</summary>
    internal static readonly Counter<long> BytesReceived = Meter.CreateCounter<long>(
        "channels.link.bytes.received", "By", "Encoded message bytes a link received, per contract, lane and transport.");

    /// <summary>How long writers waited for credit; recorded only when a write had to wait.</summary>
    internal static readonly Histogram<double> CreditWait = Meter.CreateHistogram<double>(
        "channels.link.credit.wait", "s", "How long a write waited for the remote reader's window (only writes that waited).");

    /// <summary>Links open now, per contract, transport and role.</summary>
    internal static readonly UpDownCounter<long> OpenLinks = Meter.CreateUpDownCounter<long>(
        "channels.link.open", "{link}", "Links open now (after the handshake, until the link ends).");

    /// <summary>Handshakes that failed, tagged <c>channels.contract</c>, <c>channels.role</c> and <c>error.type</c>.</summary>
    internal static readonly Counter<long> HandshakeFailures = Meter.CreateCounter<long>(
        HandshakeFailuresName, "{handshake}", "Handshakes that failed: wrong key, other contract or shape, timeout, malformed or no listener.");

    /// <summary>Links that ended because the other process was lost.</summary>
    internal static readonly Counter<long> PeerLost = Meter.CreateCounter<long>(
        "channels.link.peer_lost", "{link}", "Links that ended because the other process exited, crashed, was killed or went silent.");

    /// <summary>Links that ended on a protocol error, by <c>error.type</c>.</summary>
    internal static readonly Counter<long> ProtocolErrors = Meter.CreateCounter<long>(
        "channels.link.protocol_errors", "{link}", "Links that ended because the other side broke the protocol.");

    /// <summary>Items put back because their taker ended before settling them.</summary>
    internal static readonly Counter<long> QueueRedeliveries = Meter.CreateCounter<long>(
        "channels.queue.redeliveries", "{item}", "Queue items put back because the process that got them ended before TaskDone.");

    /// <summary>Children started.</summary>
    internal static readonly Counter<long> ChildrenStarted = Meter.CreateCounter<long>(
        "channels.process.children.started", "{process}", "Child processes started, per entry.");

    /// <summary>Children whose exit was observed, by exit code.</summary>
    internal static readonly Counter<long> ChildrenExited = Meter.CreateCounter<long>(
        "channels.process.children.exited", "{process}", "Child processes that exited, per entry and exit code.");

    // Pulled by the listener, so puts and gets pay nothing for them: members put and get straight into the shared
    // segments, and the host reads the counts from there when observed (QueueMetrics).

    /// <summary>Items in each hosted queue now.</summary>
    internal static readonly ObservableGauge<long> QueueDepth = Meter.CreateObservableGauge(
        "channels.queue.depth", QueueMetrics.ObserveDepth, "{item}", "Items in a hosted queue now.");

    /// <summary>Items put into each hosted queue, by any process.</summary>
    internal static readonly ObservableCounter<long> QueuePuts = Meter.CreateObservableCounter(
        "channels.queue.puts", QueueMetrics.ObservePuts, "{item}", "Items put into a hosted queue, by any process (put-backs not counted).");

    /// <summary>Items got from each hosted queue, by any process.</summary>
    internal static readonly ObservableCounter<long> QueueGets = Meter.CreateObservableCounter(
        "channels.queue.gets", QueueMetrics.ObserveGets, "{item}", "Items got from a hosted queue, by any process.");

    /// <summary>Counts a failed handshake of <paramref name="contract"/> seen from <paramref name="role"/> (<c>opener</c> or <c>peer</c>).</summary>
    internal static void HandshakeFailed(string contract, string role, string errorType)
    {
        if (!HandshakeFailures.Enabled)
            return;
        var tags = new TagList
        {
            { ContractTag, contract },
            { RoleTag, role },
            { ErrorTypeTag, errorType },
        };
        HandshakeFailures.Add(1, tags);
    }

    /// <summary>Counts a started child of <paramref name="entry"/>.</summary>
    internal static void ChildStarted(string entry)
    {
        if (ChildrenStarted.Enabled)
            ChildrenStarted.Add(1, new KeyValuePair<string, object?>(EntryTag, entry));
    }

    /// <summary>Counts an observed exit of a child of <paramref name="entry"/>.</summary>
    internal static void ChildExited(string entry, int exitCode)
    {
        if (ChildrenExited.Enabled)
            ChildrenExited.Add(1, new KeyValuePair<string, object?>(EntryTag, entry), new KeyValuePair<string, object?>(ExitCodeTag, exitCode));
    }

    /// <summary>The <c>error.type</c> tag for a failure to connect or to complete a handshake.</summary>
    internal static string ErrorType(Exception exception) => exception switch
    {
        ContractMismatchException => "contract_mismatch",
        AuthenticationFailedException => "authentication",
        EndpointNotFoundException => "endpoint_not_found",
        ProtocolException => "protocol",
        TimeoutException => "timeout",
        OperationCanceledException => "canceled",
        System.Net.Sockets.SocketException => "no_listener",
        IOException => "io",
        _ => "other",
    };
}
