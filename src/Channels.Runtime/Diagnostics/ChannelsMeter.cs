using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Channels.Diagnostics;

/// <summary>
/// The meter <c>Channels</c> (visible in <c>dotnet-counters</c> and to OpenTelemetry's <c>AddMeter("Channels")</c>) and
/// its instruments. An instrument records nothing until a listener enables it. The full catalogue is in
/// docs/observability.md; each instrument is declared here when the code that records it is.
/// </summary>
public static class ChannelsMeter
{
    /// <summary>The meter's name.</summary>
    public const string Name = "Channels";

    /// <summary>The name of the counter of failed handshakes.</summary>
    public const string HandshakeFailuresName = "channels.link.handshake.failures";

    private static readonly Meter Meter = new(Name, typeof(ChannelsMeter).Assembly.GetName().Version?.ToString());

    /// <summary>Handshakes that failed, tagged <c>channels.contract</c>, <c>channels.role</c> and <c>error.type</c>.</summary>
    internal static readonly Counter<long> HandshakeFailures = Meter.CreateCounter<long>(
        HandshakeFailuresName, "{handshake}", "Handshakes that failed: wrong key, other contract or shape, timeout, malformed or no listener.");

    /// <summary>Counts a failed handshake of <paramref name="contract"/> seen from <paramref name="role"/> (<c>opener</c> or <c>peer</c>).</summary>
    internal static void HandshakeFailed(string contract, string role, string errorType)
    {
        if (!HandshakeFailures.Enabled)
            return;
        var tags = new TagList
        {
            { "channels.contract", contract },
            { "channels.role", role },
            { "error.type", errorType },
        };
        HandshakeFailures.Add(1, tags);
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
