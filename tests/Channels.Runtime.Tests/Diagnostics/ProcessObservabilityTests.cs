using Channels.Runtime.Tests.Infrastructure;
using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Processes;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Channels.Runtime.Tests.Diagnostics;

/// <summary>
/// The instruments and events about processes (issue 14, acceptance 2), across real child processes: a peer killed
/// with SIGKILL, children's starts, exit codes, failures and kills, and a queue consumer killed while it holds items.
/// The children use contracts of their own (IObservedEcho, IObservedWork), so the measurements are this class's.
/// </summary>
public sealed class ProcessObservabilityTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static string Entry(string method) => typeof(ObservedEntries).FullName + "." + method;

    private ChannelOptions Options(CapturingLoggerFactory log) => new()
    {
        RuntimeDirectory = _directory.Path,
        LoggerFactory = log,
    };

    [Fact]
    public async Task APeerKilledWithSigkillIsCountedLostAndLoggedWithItsExitCodeAndSignal()
    {
        string contract = IObservedEcho.Definition.Descriptor.Name;
        using var metrics = new MetricCapture(tags => Equals(tags.GetValueOrDefault("channels.contract"), contract)
                                                   || Equals(tags.GetValueOrDefault("channels.entry"), Entry(nameof(ObservedEntries.Echo))));
        var log = new CapturingLoggerFactory();
        var (parent, child) = IObservedEcho.CreatePipe(Options(log));
        await using (parent)
        {
            await using ChildProcess process = await ChildProcess.StartAsync(child, ObservedEntries.Echo, TestChildren.Options());
            await parent.Numbers.WriteAsync(7);
            Assert.Equal(7, await parent.Answers.ReadAsync().AsTask().WaitAsync(Timeout));

            process.Kill();
            await Assert.ThrowsAsync<PeerLostException>(async () => await parent.Answers.ReadAsync().AsTask().WaitAsync(Timeout));
            Assert.Equal(137, await process.WaitForExitAsync().WaitAsync(Timeout));
        }

        LogRecord lost = Assert.Single(log.Of(6));
        Assert.Equal("PeerLost", lost.EventId.Name);
        Assert.Equal(LogLevel.Warning, lost.Level);
        Assert.Equal(["Contract", "ExitCode", "Signal", "{OriginalFormat}"], lost.Fields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(contract, lost.Fields["Contract"]);
        Assert.Equal(137, lost.Fields["ExitCode"]);
        Assert.Equal(9, lost.Fields["Signal"]);
        Assert.IsType<PeerLostException>(lost.Exception);

        Measured counted = Assert.Single(metrics.Of("channels.link.peer_lost"));
        Assert.Equal(1, counted.Value);
        Assert.Equal("{link}", counted.Instrument.Unit);
        Assert.Equal(["channels.contract", "channels.transport"], counted.TagNames);
        // A pipe handed to a child moves its frames through shared memory by default (no option asks for it).
        Assert.Equal("shm", counted.Tags["channels.transport"]);
        // The parent's end was open over the link the child connected to, and is no more.
        Assert.Equal([1.0, -1.0], metrics.Of("channels.link.open").Where(m => Equals(m.Tags["channels.role"], "opener")).Select(m => m.Value));
        Assert.Equal(137, (int)metrics.Of("channels.process.children.exited").Select(m => m.Tags["process.exit.code"]).Single()!);
    }

    [Fact]
    public async Task ChildrenAreCountedByEntryAndExitCodeAndTheirStartsAndExitsAreLogged()
    {
        string entry = Entry(nameof(ObservedEntries.ExitWith));
        using var metrics = MetricCapture.Where("channels.entry", entry);
        var log = new CapturingLoggerFactory();
        var pids = new List<int>();
        foreach (string code in new[] { "0", "3" })
        {
            var (parent, child) = IObservedEcho.CreatePipe(Options(log));
            await using (parent)
            {
                await using ChildProcess process = await ChildProcess.StartAsync(child, ObservedEntries.ExitWith, code, TestChildren.Options());
                pids.Add(process.Id);
                Assert.Equal(int.Parse(code), await process.WaitForExitAsync().WaitAsync(Timeout));
            }
        }

        Measured[] started = metrics.Of("channels.process.children.started");
        Assert.Equal(2, started.Length);
        Assert.All(started, m =>
        {
            Assert.Equal(1, m.Value);
            Assert.Equal("{process}", m.Instrument.Unit);
            Assert.Equal(["channels.entry"], m.TagNames);
        });
        Measured[] exited = metrics.Of("channels.process.children.exited");
        Assert.Equal([0, 3], exited.Select(m => (int)m.Tags["process.exit.code"]!).Order());
        Assert.All(exited, m =>
        {
            Assert.Equal(1, m.Value);
            Assert.Equal("{process}", m.Instrument.Unit);
            Assert.Equal(["channels.entry", "process.exit.code"], m.TagNames);
        });

        LogRecord[] starts = log.Of(13);
        Assert.Equal(pids, starts.Select(r => (int)r.Fields["ProcessId"]!));
        Assert.All(starts, r =>
        {
            Assert.Equal("ChildStarted", r.EventId.Name);
            Assert.Equal(LogLevel.Information, r.Level);
            Assert.Equal(["Entry", "ProcessId", "{OriginalFormat}"], r.Fields.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(entry, r.Fields["Entry"]);
        });
        LogRecord[] exits = log.Of(14);
        Assert.Equal(2, exits.Length);
        Assert.All(exits, r =>
        {
            Assert.Equal("ChildExited", r.EventId.Name);
            Assert.Equal(["Entry", "ExitCode", "ProcessId", "{OriginalFormat}"], r.Fields.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(entry, r.Fields["Entry"]);
        });
        LogRecord clean = Assert.Single(exits, r => Equals(r.Fields["ExitCode"], 0));
        Assert.Equal(LogLevel.Information, clean.Level);
        Assert.Equal(pids[0], clean.Fields["ProcessId"]);
        LogRecord three = Assert.Single(exits, r => Equals(r.Fields["ExitCode"], 3));
        Assert.Equal(LogLevel.Warning, three.Level);
        Assert.Equal(pids[1], three.Fields["ProcessId"]);
        Assert.Empty(log.Of(15));
    }

    [Fact]
    public async Task AChildWhoseEntryThrowsIsLoggedAsFailedWithTheException()
    {
        var log = new CapturingLoggerFactory();
        var (parent, child) = IObservedEcho.CreatePipe(Options(log));
        int pid;
        await using (parent)
        {
            await using ChildProcess process = await ChildProcess.StartAsync(child, ObservedEntries.Throw, "no answer", TestChildren.Options(redirectStandardError: true));
            pid = process.Id;
            Assert.Equal(1, await process.WaitForExitAsync().WaitAsync(Timeout));
        }

        LogRecord failed = Assert.Single(log.Of(15));
        Assert.Equal("ChildFailed", failed.EventId.Name);
        Assert.Equal(LogLevel.Error, failed.Level);
        Assert.Equal(["Entry", "ProcessId", "RemoteMessage", "RemoteType", "{OriginalFormat}"], failed.Fields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Entry(nameof(ObservedEntries.Throw)), failed.Fields["Entry"]);
        Assert.Equal(pid, failed.Fields["ProcessId"]);
        Assert.Equal(typeof(InvalidDataException).FullName, failed.Fields["RemoteType"]);
        Assert.Equal("no answer", failed.Fields["RemoteMessage"]);
        Assert.Equal(LogLevel.Warning, Assert.Single(log.Of(14)).Level);
    }

    [Fact]
    public async Task AChildThatOutlivesItsGracePeriodIsKilledAndLogged()
    {
        string entry = Entry(nameof(ObservedEntries.Hang));
        using var metrics = MetricCapture.Where("channels.entry", entry);
        var log = new CapturingLoggerFactory();
        var (parent, child) = IObservedEcho.CreatePipe(Options(log));
        TimeSpan grace = TimeSpan.FromMilliseconds(300);
        ChildProcessOptions options = TestChildren.Options();
        options = new ChildProcessOptions
        {
            ExecutablePath = options.ExecutablePath,
            Arguments = options.Arguments,
            ShutdownGracePeriod = grace,
            KeepRunningAfterParentExit = true,
        };
        int pid;
        await using (parent)
        {
            ChildProcess process = await ChildProcess.StartAsync(child, ObservedEntries.Hang, options);
            pid = process.Id;
            Assert.Equal(1, await parent.Answers.ReadAsync().AsTask().WaitAsync(Timeout));
            await process.DisposeAsync();
            Assert.Equal(137, process.ExitCode);
        }

        LogRecord killed = Assert.Single(log.Of(16));
        Assert.Equal("ChildKilled", killed.EventId.Name);
        Assert.Equal(LogLevel.Warning, killed.Level);
        Assert.Equal(["Entry", "GracePeriod", "ProcessId", "{OriginalFormat}"], killed.Fields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(entry, killed.Fields["Entry"]);
        Assert.Equal(pid, killed.Fields["ProcessId"]);
        Assert.Equal(grace, killed.Fields["GracePeriod"]);
        Assert.Equal(137, (int)Assert.Single(metrics.Of("channels.process.children.exited")).Tags["process.exit.code"]!);
    }

    [Fact]
    public async Task AHostedQueueReportsDepthPutsAndGetsAndRedeliversWhatAKilledConsumerHeld()
    {
        string contract = IObservedWork.Definition.Descriptor.Name;
        using var metrics = MetricCapture.Where("channels.contract", contract);
        var log = new CapturingLoggerFactory();
        int pid;
        await using (IObservedWork board = IObservedWork.Create("observed-work-" + Guid.NewGuid().ToString("N")[..8], Options(log)))
        {
            for (int i = 0; i < 3; i++)
                board.Items.Put(i);
            await using ChildProcess consumer = await ChildProcess.StartAsync(board, ObservedEntries.GetAndHold, "2", TestChildren.Options());
            pid = consumer.Id;
            Assert.Equal(2, await board.Acks.GetAsync().AsTask().WaitAsync(Timeout));

            metrics.Observe();
            Assert.Equal(1, Last(metrics, "channels.queue.depth", "Items"));
            Assert.Equal(3, Last(metrics, "channels.queue.puts", "Items"));
            Assert.Equal(2, Last(metrics, "channels.queue.gets", "Items"));
            Assert.Equal(1, Last(metrics, "channels.queue.puts", "Acks"));
            Assert.Equal(1, Last(metrics, "channels.queue.gets", "Acks"));
            Assert.Equal(0, Last(metrics, "channels.queue.depth", "Acks"));

            consumer.Kill();
            LogRecord redelivered = await log.WaitForAsync(11, Timeout);
            Assert.Equal("QueueRedelivered", redelivered.EventId.Name);
            Assert.Equal(LogLevel.Information, redelivered.Level);
            Assert.Equal(["Contract", "Count", "ProcessId", "Queue", "{OriginalFormat}"], redelivered.Fields.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(contract, redelivered.Fields["Contract"]);
            Assert.Equal("Items", redelivered.Fields["Queue"]);
            Assert.Equal(2, redelivered.Fields["Count"]);
            Assert.Equal(pid, redelivered.Fields["ProcessId"]);

            LogRecord lost = await log.WaitForAsync(12, Timeout);
            Assert.Equal("QueueClientLost", lost.EventId.Name);
            Assert.Equal(LogLevel.Warning, lost.Level);
            Assert.Equal(["Contract", "Held", "ProcessId", "{OriginalFormat}"], lost.Fields.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(pid, lost.Fields["ProcessId"]);
            Assert.Equal(2, lost.Fields["Held"]);

            Measured redeliveries = Assert.Single(metrics.Of("channels.queue.redeliveries"));
            Assert.Equal(2, redeliveries.Value);
            Assert.Equal("{item}", redeliveries.Instrument.Unit);
            Assert.Equal(["channels.contract", "channels.queue"], redeliveries.TagNames);
            Assert.Equal("Items", redeliveries.Tags["channels.queue"]);

            metrics.Observe();
            Assert.Equal(3, Last(metrics, "channels.queue.depth", "Items"));
            Assert.Equal(3, Last(metrics, "channels.queue.puts", "Items"));
            Assert.Equal(2, Last(metrics, "channels.queue.gets", "Items"));
            foreach (string name in new[] { "channels.queue.depth", "channels.queue.puts", "channels.queue.gets" })
            {
                Assert.All(metrics.Of(name), m =>
                {
                    Assert.Equal("{item}", m.Instrument.Unit);
                    Assert.Equal(["channels.contract", "channels.queue"], m.TagNames);
                });
            }
            Assert.IsType<System.Diagnostics.Metrics.ObservableGauge<long>>(metrics.Of("channels.queue.depth")[0].Instrument);
            Assert.IsType<System.Diagnostics.Metrics.ObservableCounter<long>>(metrics.Of("channels.queue.puts")[0].Instrument);
        }

        // A host that is gone is no longer observed.
        metrics.Clear();
        metrics.Observe();
        Assert.Empty(metrics.Of("channels.queue.depth"));
    }

    private static double Last(MetricCapture metrics, string instrument, string queue)
        => metrics.Of(instrument).Last(m => Equals(m.Tags["channels.queue"], queue)).Value;
}
