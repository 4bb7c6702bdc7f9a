using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Channels.Runtime.Tests.Infrastructure;
using static Channels.Runtime.Tests.Infrastructure.RawFrames;
using Channels.Wire;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Channels.Runtime.Tests.Diagnostics;

/// <summary>Two lanes, one each way: the opener writes numbers, the peer writes echoes.</summary>
[ChannelContract]
public partial interface IObservedFlow
{
    ChannelWriter<long> Numbers { get; }

    ChannelReader<long> Echoes { get; }
}

/// <summary>The contract of the refused-handshake test (its own, so its counts are its own).</summary>
[ChannelContract]
public partial interface IObservedGate
{
    ChannelWriter<int> Values { get; }
}

/// <summary>Another contract, connected to <see cref="IObservedGate"/>'s listener: the contract check refuses it.</summary>
[ChannelContract]
public partial interface IObservedIntruder
{
    ChannelWriter<int> Values { get; }
}

/// <summary>
/// The link instruments and events (issue 14, acceptance 2) over real Unix-socket and shared-memory links between
/// two ends: per-lane messages and bytes on both sides, open links, credit waits, refused handshakes on the listener
/// side, protocol errors by error.type, and a remote writer's fault. Each instrument's name, unit and tag names are
/// asserted, each event's id, name, level and field names.
/// </summary>
public sealed class LinkObservabilityTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly string Flow = IObservedFlow.Definition.Descriptor.Name;
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(false, "unix")]
    [InlineData(true, "shm")]
    public async Task MessagesAndBytesAreCountedPerLaneOnBothSidesAndLinksWhileOpen(bool sharedMemory, string transport)
    {
        var directory = new TestRuntimeDirectory { SharedMemory = sharedMemory };
        using var cleanup = directory;
        using var metrics = MetricCapture.Where("channels.contract", Flow);
        ChannelOptions options = directory.Options();
        string endpoint = "flow-" + transport;

        await using (var listener = IObservedFlow.Listen(endpoint, options))
        {
            Task<IObservedFlow> accepting = listener.AcceptAsync().AsTask();
            IObservedFlow.Peer peer = await IObservedFlow.Peer.ConnectAsync(endpoint, options).AsTask().WaitAsync(Timeout);
            IObservedFlow opener = await accepting.WaitAsync(Timeout);
            Assert.Equal(2, metrics.Sum("channels.link.open"));

            for (long i = 0; i < 100; i++)
                await opener.Numbers.WriteAsync(i);
            for (int i = 0; i < 100; i++)
            {
                long number = await peer.Numbers.ReadAsync().AsTask().WaitAsync(Timeout);
                if (number % 2 == 0)
                    await peer.Echoes.WriteAsync(number);
            }
            for (int i = 0; i < 50; i++)
                await opener.Echoes.ReadAsync().AsTask().WaitAsync(Timeout);
            // Disposing waits for each side's send loop, so every flush has been counted after it.
            await opener.DisposeAsync();
            await peer.DisposeAsync();
        }

        (string, object)[] numbers = [("channels.lane", "Numbers"), ("channels.transport", transport)];
        (string, object)[] echoes = [("channels.lane", "Echoes"), ("channels.transport", transport)];
        Assert.Equal(100, metrics.Sum("channels.link.messages.sent", numbers));
        Assert.Equal(100, metrics.Sum("channels.link.messages.received", numbers));
        Assert.Equal(50, metrics.Sum("channels.link.messages.sent", echoes));
        Assert.Equal(50, metrics.Sum("channels.link.messages.received", echoes));
        double bytesSent = metrics.Sum("channels.link.bytes.sent", numbers);
        Assert.True(bytesSent >= 100, $"{bytesSent} bytes for 100 numbers");
        Assert.Equal(bytesSent, metrics.Sum("channels.link.bytes.received", numbers));
        Assert.Equal(metrics.Sum("channels.link.bytes.sent", echoes), metrics.Sum("channels.link.bytes.received", echoes));
        Assert.True(metrics.Of("channels.link.messages.sent").Length < 100, "message counters are added per batch, not per message");

        foreach (string name in new[] { "channels.link.messages.sent", "channels.link.messages.received", "channels.link.bytes.sent", "channels.link.bytes.received" })
        {
            Assert.All(metrics.Of(name), m =>
            {
                Assert.Equal(name.Contains("bytes", StringComparison.Ordinal) ? "By" : "{message}", m.Instrument.Unit);
                Assert.IsType<Counter<long>>(m.Instrument);
                Assert.Equal(["channels.contract", "channels.lane", "channels.transport"], m.TagNames);
            });
        }

        Measured[] open = metrics.Of("channels.link.open");
        Assert.All(open, m =>
        {
            Assert.Equal("{link}", m.Instrument.Unit);
            Assert.IsType<UpDownCounter<long>>(m.Instrument);
            Assert.Equal(["channels.contract", "channels.role", "channels.transport"], m.TagNames);
            Assert.Equal(transport, m.Tags["channels.transport"]);
        });
        foreach (string role in new[] { "opener", "peer" })
        {
            Assert.Equal([1.0, -1.0], open.Where(m => Equals(m.Tags["channels.role"], role)).Select(m => m.Value));
        }
        Assert.Empty(metrics.Of("channels.link.credit.wait"));
    }

    [Fact]
    public async Task AWriteThatWaitsForCreditRecordsHowLongItWaited()
    {
        using var metrics = MetricCapture.Where("channels.contract", Flow);
        ChannelOptions options = _directory.Options(windowMessages: 1);
        await using var listener = IObservedFlow.Listen("credit", options);
        Task<IObservedFlow> accepting = listener.AcceptAsync().AsTask();
        await using IObservedFlow.Peer peer = await IObservedFlow.Peer.ConnectAsync("credit", options).AsTask().WaitAsync(Timeout);
        await using IObservedFlow opener = await accepting.WaitAsync(Timeout);

        await opener.Numbers.WriteAsync(1);
        ValueTask second = opener.Numbers.WriteAsync(2);
        Assert.False(second.IsCompleted, "a window of one message admits one write");
        await Task.Delay(100);
        Assert.Equal(1, await peer.Numbers.ReadAsync().AsTask().WaitAsync(Timeout));
        await second.AsTask().WaitAsync(Timeout);

        Measured wait = Assert.Single(metrics.Of("channels.link.credit.wait"));
        Assert.Equal("s", wait.Instrument.Unit);
        Assert.IsType<Histogram<double>>(wait.Instrument);
        Assert.Equal(["channels.contract", "channels.lane"], wait.TagNames);
        Assert.Equal("Numbers", wait.Tags["channels.lane"]);
        Assert.InRange(wait.Value, 0.05, Timeout.TotalSeconds);
    }

    [Fact]
    public async Task TheListenerCountsAndLogsEachRefusedConnectionAndLogsEachAcceptedLink()
    {
        string gate = IObservedGate.Definition.Descriptor.Name;
        using var metrics = MetricCapture.Where("channels.contract", gate);
        var log = new CapturingLoggerFactory();
        ChannelOptions options = With(_directory.Options(), log);
        await using var listener = IObservedGate.Listen("gate", options);

        await Assert.ThrowsAsync<ContractMismatchException>(async () => await IObservedIntruder.Peer.ConnectAsync("gate", _directory.Options()));
        using (var raw = await RawClient.ConnectAsync(listener.Endpoint))
        {
            await raw.SendAsync(new byte[256]);
            Assert.True(await raw.WaitForCloseAsync(Timeout), "the listener closes a connection that sends garbage");
        }
        Task<IObservedGate> accepting = listener.AcceptAsync().AsTask();
        await using IObservedGate.Peer peer = await IObservedGate.Peer.ConnectAsync("gate", options).AsTask().WaitAsync(Timeout);
        await using IObservedGate accepted = await accepting.WaitAsync(Timeout);

        LogRecord[] refused = await WaitForCountAsync(log, 3, 2);
        Assert.All(refused, r =>
        {
            Assert.Equal("HandshakeRefused", r.EventId.Name);
            Assert.Equal(LogLevel.Warning, r.Level);
            Assert.Equal(["Contract", "Endpoint", "Reason", "RemoteContract", "{OriginalFormat}"], r.Fields.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(gate, r.Fields["Contract"]);
            Assert.Equal(listener.Endpoint, r.Fields["Endpoint"]);
        });
        LogRecord mismatch = Assert.Single(refused, r => Equals(r.Fields["Reason"], "contract_mismatch"));
        Assert.Equal(IObservedIntruder.Definition.Descriptor.Name, mismatch.Fields["RemoteContract"]);
        Assert.IsType<ContractMismatchException>(mismatch.Exception);
        LogRecord garbage = Assert.Single(refused, r => Equals(r.Fields["Reason"], "protocol"));
        Assert.Equal("", garbage.Fields["RemoteContract"]);

        LogRecord acceptedEvent = await log.WaitForAsync(2, Timeout);
        Assert.Equal("LinkAccepted", acceptedEvent.EventId.Name);
        Assert.Equal(LogLevel.Debug, acceptedEvent.Level);
        Assert.Equal(gate, acceptedEvent.Fields["Contract"]);
        Assert.Equal(listener.Endpoint, acceptedEvent.Fields["Endpoint"]);

        Measured[] failures = metrics.Of(Channels.Diagnostics.ChannelsMeter.HandshakeFailuresName).Where(m => Equals(m.Tags["channels.role"], "opener")).ToArray();
        Assert.Equal(["contract_mismatch", "protocol"], failures.Select(m => (string)m.Tags["error.type"]!).Order(StringComparer.Ordinal));
        Assert.All(failures, m =>
        {
            Assert.Equal(1, m.Value);
            Assert.Equal("{handshake}", m.Instrument.Unit);
            Assert.Equal(["channels.contract", "channels.role", "error.type"], m.TagNames);
        });
    }

    // Lane 0 (Numbers) is written by the listener's side, lane 1 (Echoes) read by it.
    public static TheoryData<string, byte[], bool, string, string> Malformed => new()
    {
        { "unknown kind", Frame(1, 0x42, [1, 2]), false, "bad_kind", "" },
        { "length field of 2 GiB", GiantLength(), false, "oversized", "" },
        { "data on a lane the listener writes", Frame(0, (byte)FrameKind.Data, [1, 2]), false, "bad_lane", "Numbers" },
        { "undecodable message", Frame(1, (byte)FrameKind.Data, [1]), false, "undecodable", "Echoes" },
        { "credit beyond the window", Frame(0, (byte)FrameKind.Credit, [0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0]), false, "bad_credit", "Numbers" },
        { "truncated frame, then the connection ends", Frame(1, (byte)FrameKind.Data, new byte[100])[..50], true, "truncated", "" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task AProtocolErrorIsCountedByErrorTypeAndLoggedWithItsLane(string what, byte[] bytes, bool closeAfter, string errorType, string lane)
    {
        var log = new CapturingLoggerFactory();
        using var metrics = new MetricCapture(tags => Equals(tags.GetValueOrDefault("channels.contract"), Flow) && Equals(tags.GetValueOrDefault("error.type"), errorType));
        ChannelOptions options = With(_directory.Options(), log);
        await using var listener = IObservedFlow.Listen("bad-" + errorType, options);
        byte[] key = File.ReadAllBytes(Path.Combine(_directory.Path, "bad-" + errorType + ".key"));
        using var raw = await RawClient.ConnectAsync(listener.Endpoint);
        await raw.HandshakeAsync(IObservedFlow.Definition.Descriptor, key);
        await using IObservedFlow victim = await listener.AcceptAsync().AsTask().WaitAsync(Timeout);

        await raw.SendAsync(bytes);
        if (closeAfter)
            raw.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        await Assert.ThrowsAsync<ProtocolException>(async () => await victim.Echoes.ReadAsync().AsTask().WaitAsync(Timeout));

        LogRecord error = await log.WaitForAsync(7, Timeout);
        Assert.Equal("ProtocolError", error.EventId.Name);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Equal(["Contract", "Error", "Lane", "{OriginalFormat}"], error.Fields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Flow, error.Fields["Contract"]);
        Assert.Equal(errorType, error.Fields["Error"]);
        Assert.Equal(lane, error.Fields["Lane"]);
        Assert.IsType<ProtocolException>(error.Exception);

        Measured counted = Assert.Single(metrics.Of("channels.link.protocol_errors"));
        Assert.Equal(1, counted.Value);
        Assert.Equal("{link}", counted.Instrument.Unit);
        Assert.Equal(["channels.contract", "error.type"], counted.TagNames);
        Assert.True(Assert.Single(log.Of(7)).Exception?.Message.Length > 0, what);
    }

    [Fact]
    public async Task ARemoteWriterThatFailsIsLoggedWithItsException()
    {
        var log = new CapturingLoggerFactory();
        ChannelOptions options = With(_directory.Options(), log);
        await using var listener = IObservedFlow.Listen("fault", options);
        Task<IObservedFlow> accepting = listener.AcceptAsync().AsTask();
        await using IObservedFlow.Peer peer = await IObservedFlow.Peer.ConnectAsync("fault", options).AsTask().WaitAsync(Timeout);
        await using IObservedFlow opener = await accepting.WaitAsync(Timeout);

        peer.Echoes.Complete(new InvalidDataException("the echo broke"));
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await opener.Echoes.ReadAsync().AsTask().WaitAsync(Timeout));

        LogRecord faulted = await log.WaitForAsync(8, Timeout);
        Assert.Equal("LaneFaulted", faulted.EventId.Name);
        Assert.Equal(LogLevel.Debug, faulted.Level);
        Assert.Equal(["Contract", "Lane", "RemoteMessage", "RemoteType", "{OriginalFormat}"], faulted.Fields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Flow, faulted.Fields["Contract"]);
        Assert.Equal("Echoes", faulted.Fields["Lane"]);
        Assert.Equal(typeof(InvalidDataException).FullName, faulted.Fields["RemoteType"]);
        Assert.Equal("the echo broke", faulted.Fields["RemoteMessage"]);
    }

    private static async Task<LogRecord[]> WaitForCountAsync(CapturingLoggerFactory log, int id, int count)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (log.Of(id).Length < count)
            await Task.Delay(20, cts.Token);
        return log.Of(id);
    }

    internal static ChannelOptions With(ChannelOptions options, ILoggerFactory loggerFactory) => new()
    {
        RuntimeDirectory = options.RuntimeDirectory,
        HandshakeTimeout = options.HandshakeTimeout,
        LaneWindowMessages = options.LaneWindowMessages,
        UseSharedMemory = false,
        LoggerFactory = loggerFactory,
    };
}
