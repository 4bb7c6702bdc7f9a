using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Channels.Diagnostics;
using Channels.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Channels.Runtime.Tests.Diagnostics;

/// <summary>A link contract listened for in these tests.</summary>
[ChannelContract]
public partial interface IObservedA
{
    ChannelWriter<int> Values { get; }
}

/// <summary>Another shape at the same endpoint: connecting with it fails the contract check.</summary>
[ChannelContract]
public partial interface IObservedB
{
    ChannelWriter<long> Values { get; }
}

/// <summary>A queue contract hosted and opened in these tests.</summary>
[ChannelContract]
public partial interface IObservedBoard
{
    ProcessQueue<int> Items { get; }
}

/// <summary>
/// The events and instruments recorded by the contracts' entry points (listen, connect, queue create and open):
/// event ids, names and fields through ChannelOptions.LoggerFactory; the meter "Channels" through a MeterListener.
/// </summary>
public sealed class ObservabilityTests
{
    [Fact]
    public async Task ListenAndConnectLogTheirEventsWithTheirFields()
    {
        using var directory = new TestRuntimeDirectory();
        var log = new CapturingLoggerFactory();
        ChannelOptions options = With(directory.Options(), log);

        await using var listener = IObservedA.Listen("observed", options);
        Task<IObservedA> accepted = listener.AcceptAsync().AsTask();
        await using IObservedA.Peer peer = await IObservedA.Peer.ConnectAsync("observed", options);
        await using IObservedA link = await accepted.WaitAsync(TimeSpan.FromSeconds(30));

        LogRecord started = Assert.Single(log.Records, r => r.EventId.Id == 1);
        Assert.Equal("ListenerStarted", started.EventId.Name);
        Assert.Equal(LogLevel.Information, started.Level);
        Assert.Equal("Channels", started.Category);
        Assert.EndsWith(".IObservedA", (string)started.Fields["Contract"]!, StringComparison.Ordinal);
        Assert.Equal(listener.Endpoint, started.Fields["Endpoint"]);

        LogRecord connected = Assert.Single(log.Records, r => r.EventId.Id == 4);
        Assert.Equal("LinkConnected", connected.EventId.Name);
        Assert.Equal(LogLevel.Debug, connected.Level);
        Assert.Equal("observed", connected.Fields["Endpoint"]);
    }

    [Fact]
    public async Task AFailedConnectIsCountedByReasonAndLogged()
    {
        using var directory = new TestRuntimeDirectory();
        var log = new CapturingLoggerFactory();
        ChannelOptions options = With(directory.Options(), log);
        string contractB = IObservedB.Definition.Descriptor.Name;
        var failures = new ConcurrentQueue<(long Value, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChannelsMeter.Name && instrument.Name == ChannelsMeter.HandshakeFailuresName)
                l.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, state) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (KeyValuePair<string, object?> tag in tags)
                map[tag.Key] = tag.Value;
            if (Equals(map.GetValueOrDefault("channels.contract"), contractB))   // other tests run at the same time
                failures.Enqueue((value, map));
        });
        meters.Start();

        // No listener at all.
        await Assert.ThrowsAsync<EndpointNotFoundException>(async () => await IObservedB.Peer.ConnectAsync("nobody", options));
        // A listener of another shape.
        await using var listener = IObservedA.Listen("observed", options);
        await Assert.ThrowsAsync<ContractMismatchException>(async () => await IObservedB.Peer.ConnectAsync("observed", options));

        Assert.Equal(new[] { "endpoint_not_found", "contract_mismatch" }, failures.Select(f => (string)f.Tags["error.type"]!));
        Assert.All(failures, f =>
        {
            Assert.Equal(1, f.Value);
            Assert.Equal("peer", f.Tags["channels.role"]);
        });

        LogRecord[] failed = log.Records.Where(r => r.EventId.Id == 5).ToArray();
        Assert.Equal(2, failed.Length);
        Assert.All(failed, r =>
        {
            Assert.Equal("ConnectFailed", r.EventId.Name);
            Assert.Equal(LogLevel.Warning, r.Level);
            Assert.Equal(contractB, r.Fields["Contract"]);
            Assert.NotNull(r.Exception);
        });
        Assert.Equal("contract_mismatch", failed[1].Fields["Reason"]);
        Assert.IsType<ContractMismatchException>(failed[1].Exception);
    }

    [Fact]
    public async Task HostingAndOpeningAQueueAreLogged()
    {
        using var directory = new TestRuntimeDirectory();
        var log = new CapturingLoggerFactory();
        ChannelOptions options = With(directory.Options(), log);

        await using (IObservedBoard board = IObservedBoard.Create("board", options))
        await using (IObservedBoard opened = await IObservedBoard.OpenAsync("board", options))
        {
            LogRecord hosted = Assert.Single(log.Records, r => r.EventId.Id == 9);
            Assert.Equal("QueueHosted", hosted.EventId.Name);
            Assert.Equal("board", hosted.Fields["Endpoint"]);
            LogRecord openedEvent = Assert.Single(log.Records, r => r.EventId.Id == 10);
            Assert.Equal("QueueOpened", openedEvent.EventId.Name);
            Assert.Equal(IObservedBoard.Definition.Descriptor.Name, openedEvent.Fields["Contract"]);
        }
    }

    [Fact]
    public async Task WithoutALoggerFactoryNothingIsLoggedAndNothingFails()
    {
        using var directory = new TestRuntimeDirectory();
        ChannelOptions options = directory.Options();
        Assert.Null(options.LoggerFactory);
        await using var listener = IObservedA.Listen("silent", options);
        await Assert.ThrowsAsync<ContractMismatchException>(async () => await IObservedB.Peer.ConnectAsync("silent", options));
    }

    private static ChannelOptions With(ChannelOptions options, ILoggerFactory loggerFactory) => new()
    {
        RuntimeDirectory = options.RuntimeDirectory,
        HandshakeTimeout = options.HandshakeTimeout,
        LoggerFactory = loggerFactory,
    };
}
