using System.Diagnostics.Metrics;
using Channels.Benchmarks.SideBySide;
using Channels.Diagnostics;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>
/// <see cref="ChannelsUnixSystem"/> with metrics on (issue 14, acceptance 5): in both processes a
/// <see cref="MeterListener"/> enables every instrument of the meter <c>Channels</c> and sums what they record, as an
/// exporter's aggregation would, before the link is made. Compared with <c>channels-unix</c> in the same run.
/// </summary>
public sealed class ChannelsMeteredSystem() : ChannelsUnixSystem("channels-unix-metered", SystemNames.ChannelsUnixMetered,
    ChannelOptions.Default.LaneWindowMessages, ChannelOptions.Default.LaneWindowBytes)
{
    private static readonly Lock StartLock = new();
    private static MeterListener? _listener;
    private static long _longTotal;
    private static long _measurements;

    /// <summary>How many measurements this process's listener received (shows that it listened).</summary>
    public static long Measurements => Interlocked.Read(ref _measurements);

    /// <inheritdoc/>
    protected override Task<Func<CancellationToken, Task<IPairSender>>> ListenAsync(string socketPath, CancellationToken cancellationToken)
    {
        StartListening();
        return base.ListenAsync(socketPath, cancellationToken);
    }

    /// <inheritdoc/>
    public override Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken)
    {
        StartListening();
        return base.ConnectChildAsync(address, cancellationToken);
    }

    // One listener per process, for the rest of its life, like an application's exporter.
    private static void StartListening()
    {
        lock (StartLock)
        {
            if (_listener is not null)
                return;
            var listener = new MeterListener
            {
                InstrumentPublished = static (instrument, l) =>
                {
                    if (instrument.Meter.Name == ChannelsMeter.Name)
                        l.EnableMeasurementEvents(instrument);
                },
            };
            listener.SetMeasurementEventCallback<long>(static (_, value, _, _) =>
            {
                Interlocked.Add(ref _longTotal, value);
                Interlocked.Increment(ref _measurements);
            });
            listener.SetMeasurementEventCallback<double>(static (_, _, _, _) => Interlocked.Increment(ref _measurements));
            listener.Start();
            _listener = listener;
        }
    }
}
