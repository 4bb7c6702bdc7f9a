using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Channels.Diagnostics;

namespace Channels.Runtime.Tests.Diagnostics;

/// <summary>One measurement of an instrument of the meter "Channels".</summary>
internal sealed record Measured(Instrument Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    /// <summary>The tag names, sorted.</summary>
    public string[] TagNames => [.. Tags.Keys.Order(StringComparer.Ordinal)];
}

/// <summary>
/// A MeterListener that enables every instrument of the meter "Channels" and keeps the measurements whose tags pass
/// <c>filter</c>. A MeterListener hears the whole process, and tests run in parallel: each test filters by its own
/// contract or entry.
/// </summary>
internal sealed class MetricCapture : IDisposable
{
    private readonly ConcurrentQueue<Measured> _measured = new();
    private readonly Func<IReadOnlyDictionary<string, object?>, bool> _filter;
    private readonly MeterListener _listener = new();

    public MetricCapture(Func<IReadOnlyDictionary<string, object?>, bool> filter)
    {
        _filter = filter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ChannelsMeter.Name)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Keeps measurements tagged with <paramref name="tag"/> = <paramref name="value"/>.</summary>
    public static MetricCapture Where(string tag, object value) => new(tags => Equals(tags.GetValueOrDefault(tag), value));

    /// <summary>The measurements of <paramref name="instrument"/>.</summary>
    public Measured[] Of(string instrument) => _measured.Where(m => m.Instrument.Name == instrument).ToArray();

    /// <summary>The sum of the measurements of <paramref name="instrument"/> tagged with every one of <paramref name="tags"/>.</summary>
    public double Sum(string instrument, params (string Tag, object Value)[] tags)
        => Of(instrument).Where(m => tags.All(t => Equals(m.Tags.GetValueOrDefault(t.Tag), t.Value))).Sum(m => m.Value);

    /// <summary>Asks the observable instruments (queue depth, puts, gets) for their values now.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    /// <summary>Forgets what was kept so far.</summary>
    public void Clear() => _measured.Clear();

    public void Dispose() => _listener.Dispose();

    private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var map = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, object?> tag in tags)
            map[tag.Key] = tag.Value;
        if (_filter(map))
            _measured.Enqueue(new Measured(instrument, value, map));
    }
}
