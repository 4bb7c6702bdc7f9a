using Channels.Diagnostics;
using Channels.Lanes;
using Microsoft.Extensions.Logging;

namespace Channels;

// What a link reports to the meter "Channels" and to ChannelOptions.LoggerFactory: its instruments once it runs over
// a transport (LinkMetrics), and the events of its end (peer lost, protocol error) and of a faulted remote writer.
public sealed partial class ChannelLink
{
    private LinkMetrics? _metrics;

    /// <summary>The link's instruments once it runs over a transport; null before, and for pipes joined in process.</summary>
    internal LinkMetrics? Metrics => _metrics;

    /// <summary>The first failure ended the link with <paramref name="error"/>; <paramref name="metrics"/> as it was then.</summary>
    private void OnEnded(Exception error, LinkMetrics? metrics)
    {
        if (metrics is not null)
            metrics.Ended(Contract, error);
        else
            LinkMetrics.CountEnd(Contract, "none", error);
        if (error is not (PeerLostException or ProtocolException) || ChannelsLog.For(_options) is not { } logger)
            return;
        if (error is PeerLostException lost)
        {
            // Process.ExitCode reports a process ended by a signal as 128 plus the signal's number.
            int? signal = lost.ExitCode is > 128 and < 128 + 65 ? lost.ExitCode - 128 : null;
            ChannelsLog.PeerLost(logger, lost, Contract.Name, lost.ExitCode, signal);
        }
        else if (error is ProtocolException protocol)
        {
            string lane = (uint)protocol.Lane < (uint)Contract.Lanes.Count ? Contract.Lanes[protocol.Lane].Name : "";
            ChannelsLog.ProtocolError(logger, protocol, Contract.Name, lane, protocol.ErrorType);
        }
    }

    private void OnLaneFaulted(int lane, RemoteException fault)
    {
        if (ChannelsLog.For(_options) is { } logger)
            ChannelsLog.LaneFaulted(logger, Contract.Name, Contract.Lanes[lane].Name, fault.RemoteType, fault.RemoteMessage);
    }
}
