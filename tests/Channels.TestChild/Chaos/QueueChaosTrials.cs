using System.Diagnostics;
using System.Globalization;
using Channels.Contracts;
using Channels.TestChild.Queues;

namespace Channels.TestChild.Chaos;

/// <summary>
/// Queue chaos trials: one process of the queue (host, producer or consumer, <see cref="QueueChaosScenarios"/>) is
/// killed or stopped while items flow; this process plays the other parts and checks DESIGN.md §2's queue delivery
/// promises with the producer's sequence numbers:
/// <list type="bullet">
/// <item><b>host</b>: this process is a producer member and a consumer member. Both pending calls end with
/// <see cref="PeerLostException"/> within PeerTimeout + 2 s. Items put and not got are lost with the host (the promise
/// holds only while the host lives), so what is checkable is that what was got is exactly 0, 1, 2, ... (in order,
/// none twice, none never put).</item>
/// <item><b>producer</b>: this process hosts and consumes. Every put the producer had seen return ("put N" lines) is
/// got, in order and once, and a put made after the signal comes through, all within PeerTimeout + 2 s (a stopped
/// producer may hold the queue's lock: the host breaks it when it declares the producer lost).</item>
/// <item><b>consumer</b>: this process hosts and produces; the consumer reports each item on Results before it settles
/// it. After the signal this process stops putting, gets and settles the rest, and <c>Join</c> must complete within
/// PeerTimeout + 2 s: the victim's unsettled item is put back (redelivery) or settled for it (plain). Then what the
/// consumer reported plus what this process got is every returned put exactly once, except: in a plain queue at most
/// the one item the consumer got and had not reported is gone with it (Python's semantics); in a redelivery queue at
/// most the one item it reported and had not settled comes twice.</item>
/// </list>
/// </summary>
internal static class QueueChaosTrials
{
    private const int Capacity = 64;

    /// <summary>The producer number of the item this process puts to see that the queue still moves.</summary>
    private const int ProbeProducer = 1;

    /// <summary>How long past PeerTimeout + 2 s this process waits for a survivor before calling it a hang (survivors stamp their own end).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(20);

    private sealed record Setup(int Number, string Kind, string Victim, string Signal, int Delay, string Directory, TimeSpan PeerTimeout, bool Redeliver)
    {
        // The survivors are this process, which may be a test host running other tests too: what the trial may not
        // do is make it grow by more than the bound.
        private readonly long _startMegabytes = Environment.WorkingSet / (1024 * 1024);

        public string Endpoint => "queue-" + Number.ToString(CultureInfo.InvariantCulture);

        public TimeSpan Bound => PeerTimeout + ChaosDriver.Grace;

        public ChannelOptions Options => QueueChaosScenarios.Options(Directory, PeerTimeout);

        public QueueContract<IWorkBoard> Definition => IWorkBoard.Definition(Capacity, Redeliver);

        public string[] Arguments => [Endpoint, Capacity.ToString(CultureInfo.InvariantCulture), Redeliver ? "1" : "0", ((int)PeerTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)];

        public int SignalNumber => Signal == "KILL" ? Signals.Kill : Signals.Stop;

        public ChaosTrial NotStarted(string reason) => ChaosTrial.StartFailure(Number, Kind, Victim, Signal, Delay, reason);

        public ChaosTrial Result(double? seconds, long delivered, string? violation)
            => new(Number, Kind, Victim, Signal, Delay, seconds, delivered, Environment.WorkingSet / (1024 * 1024), violation ?? MemoryViolation());

        private string? MemoryViolation()
        {
            long megabytes = Environment.WorkingSet / (1024 * 1024);
            return megabytes - _startMegabytes > ChaosDriver.MemoryBoundMegabytes
                ? $"the survivor's working set grew from {_startMegabytes} MB to {megabytes} MB during the trial" : null;
        }

        /// <summary>Seconds from the signal to <paramref name="stamp"/>, and a violation if that is past PeerTimeout + 2 s.</summary>
        public (double Seconds, string? Late) Since(long signalStamp, long stamp, string what)
        {
            double seconds = (stamp - signalStamp) / (double)Stopwatch.Frequency;
            return (seconds, seconds > Bound.TotalSeconds ? string.Create(CultureInfo.InvariantCulture, $"hang: {what} ended {seconds:0.00} s after the signal, past PeerTimeout + 2 s") : null);
        }
    }

    /// <summary>How a survivor's call ended: the exception's type (the inner one of a ChannelClosedException) and when.</summary>
    private readonly record struct CallEnd(string Outcome, long Stamp)
    {
        public static CallEnd Of(Exception ex) => new(
            ex switch
            {
                System.Threading.Channels.ChannelClosedException { InnerException: { } inner } => inner.GetType().Name,
                OperationCanceledException => nameof(OperationCanceledException),
                _ => ex.GetType().Name,
            },
            Stopwatch.GetTimestamp());
    }

    private sealed class Putter
    {
        public long Attempted;
        public long Returned;
    }

    private sealed class Getter
    {
        public long Got;
        public string? Violation;
    }

    public static async Task<ChaosTrial> RunAsync(int number, string victim, bool redeliver, string signal, int delay, string directory, TimeSpan peerTimeout)
    {
        // A directory per trial: a killed host leaves its socket, key and segments behind, and a long run must not pile them up.
        string trialDirectory = Path.Combine(directory, "q" + number.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(trialDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var setup = new Setup(number, redeliver ? "redelivery-queue" : "queue", victim, signal, delay, trialDirectory, peerTimeout, redeliver);
        try
        {
            return victim switch
            {
                "host" => await HostVictimAsync(setup).ConfigureAwait(false),
                "producer" => await ProducerVictimAsync(setup).ConfigureAwait(false),
                _ => await ConsumerVictimAsync(setup).ConfigureAwait(false),
            };
        }
        finally
        {
            Directory.Delete(trialDirectory, recursive: true);
        }
    }

    private static async Task<ChaosTrial> HostVictimAsync(Setup setup)
    {
        await using ChaosProcess host = ChaosProcess.Start(setup.Directory, "chaos-queue-host", setup.Arguments);
        if (await host.LineAsync("hosting", ChaosDriver.StartPatience).ConfigureAwait(false) is null)
            return setup.NotStarted("the host did not start: " + host.StandardError);
        IWorkBoard producer, consumer;
        try
        {
            producer = await setup.Definition.OpenAsync(setup.Endpoint, setup.Options).AsTask().WaitAsync(ChaosDriver.StartPatience).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelsException or IOException or TimeoutException)
        {
            return setup.NotStarted("the producer member could not open the queue: " + ex.Message);
        }
        try
        {
            consumer = await setup.Definition.OpenAsync(setup.Endpoint, setup.Options).AsTask().WaitAsync(ChaosDriver.StartPatience).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelsException or IOException or TimeoutException)
        {
            await producer.DisposeAsync().ConfigureAwait(false);
            return setup.NotStarted("the consumer member could not open the queue: " + ex.Message);
        }

        var putter = new Putter();
        var getter = new Getter();
        Task<CallEnd> putting = Task.Run(() => PutAllAsync(producer.Items, putter, CancellationToken.None));
        Task<CallEnd> getting = Task.Run(() => GetAllAsync(consumer.Items, getter, CancellationToken.None));
        string? violation = null;
        double? seconds = null;
        if (!await UntilAsync(() => Volatile.Read(ref getter.Got) > 0 || getting.IsCompleted, ChaosDriver.StartPatience).ConfigureAwait(false))
        {
            host.Signal(Signals.Kill);
            violation = "no item went through the queue before the signal";
        }
        else
        {
            await Task.Delay(setup.Delay).ConfigureAwait(false);
            long signalStamp = Stopwatch.GetTimestamp();
            host.Signal(setup.SignalNumber);
            Task both = Task.WhenAll(putting, getting);
            if (await Task.WhenAny(both, Task.Delay(setup.Bound + Slack)).ConfigureAwait(false) != both)
            {
                violation = $"hang: the members' pending calls did not end ({(putting.IsCompleted ? "put ended" : "put pending")}, {(getting.IsCompleted ? "get ended" : "get pending")})";
            }
            else
            {
                CallEnd put = await putting.ConfigureAwait(false), get = await getting.ConfigureAwait(false);
                var (putSeconds, putLate) = setup.Since(signalStamp, put.Stamp, "the producer's put");
                var (getSeconds, getLate) = setup.Since(signalStamp, get.Stamp, "the consumer's get");
                seconds = Math.Max(putSeconds, getSeconds);
                long got = Volatile.Read(ref getter.Got), attempted = Volatile.Read(ref putter.Attempted);
                violation = putLate ?? getLate
                    ?? (put.Outcome != nameof(PeerLostException) ? $"the producer's put ended with {put.Outcome}, not PeerLostException" : null)
                    ?? (get.Outcome != nameof(PeerLostException) ? $"the consumer's get ended with {get.Outcome}, not PeerLostException" : null)
                    ?? getter.Violation
                    ?? (got > attempted ? $"got {got} items, but only {attempted} puts were made" : null);
            }
        }

        // Leaving must not hang either, although the host is gone or stopped.
        foreach (IWorkBoard member in (IWorkBoard[])[producer, consumer])
        {
            Task leaving = member.DisposeAsync().AsTask();
            if (await Task.WhenAny(leaving, Task.Delay(setup.Bound)).ConfigureAwait(false) != leaving)
                violation ??= "hang: disposing a member after its host was lost took longer than PeerTimeout + 2 s";
            else if (leaving.Exception is { } error)
                violation ??= "disposing a member after its host was lost threw " + error.InnerException?.GetType().Name;
        }
        return setup.Result(seconds, Volatile.Read(ref getter.Got), violation);
    }

    private static async Task<ChaosTrial> ProducerVictimAsync(Setup setup)
    {
        await using IWorkBoard board = setup.Definition.Create(setup.Endpoint, setup.Options);
        await using ChaosProcess producer = ChaosProcess.Start(setup.Directory, "chaos-queue-producer", setup.Arguments);
        var getter = new Getter();
        using var stop = new CancellationTokenSource();
        Task<CallEnd> getting = Task.Run(() => GetAllAsync(board.Items, getter, stop.Token));
        try
        {
            if (await producer.LineAsync("put ", ChaosDriver.StartPatience).ConfigureAwait(false) is null)
                return setup.NotStarted("the producer did not start putting: " + producer.StandardError);

            await Task.Delay(setup.Delay).ConfigureAwait(false);
            long signalStamp = Stopwatch.GetTimestamp();
            producer.Signal(setup.SignalNumber);
            // The "put N" lines written before the signal: all of them once a killed producer's output has ended; a
            // stopped one's may still be on their way, and a lower mark only checks less.
            if (setup.Signal == "KILL")
                await producer.ExitedAsync(setup.Bound).ConfigureAwait(false);
            else
                await Task.Delay(100).ConfigureAwait(false);
            long mark = producer.LastPut;

            TimeSpan patience = setup.Bound + Slack;
            if (!await UntilAsync(() => Volatile.Read(ref getter.Got) >= mark || getting.IsCompleted, patience).ConfigureAwait(false) || Volatile.Read(ref getter.Got) < mark)
                return setup.Result(null, Volatile.Read(ref getter.Got), getter.Violation
                    ?? $"hang or loss: {Volatile.Read(ref getter.Got)} of the {mark} puts that returned were got{(getting.IsCompleted ? "; the get ended with " + getting.Result.Outcome : "")}");
            // The queue moves on after the producer's loss: a put made now comes through (behind what is left).
            Task probe = board.Items.PutAsync(new WorkItem(ProbeProducer, 0)).AsTask();
            Task<CallEnd> through = Task.WhenAll(probe, getting).ContinueWith(_ => getting.Result, TaskScheduler.Default);
            if (await Task.WhenAny(through, Task.Delay(patience)).ConfigureAwait(false) != through)
                return setup.Result(null, Volatile.Read(ref getter.Got), "hang: a put made after the producer's loss did not come through");
            CallEnd end = await through.ConfigureAwait(false);
            var (seconds, late) = setup.Since(signalStamp, end.Stamp, "getting every returned put and a new one");
            Task join = board.Items.JoinAsync().AsTask();
            bool joined = await Task.WhenAny(join, Task.Delay(setup.Bound)).ConfigureAwait(false) == join;
            string? violation = late
                ?? (end.Outcome != "probe" ? $"the consumer's get ended with {end.Outcome}" : null)
                ?? getter.Violation
                ?? (joined ? null : "hang: Join did not complete although every item was got and settled");
            return setup.Result(seconds, Volatile.Read(ref getter.Got), violation);
        }
        finally
        {
            stop.Cancel();
            await getting.ConfigureAwait(false);
        }
    }

    private static async Task<ChaosTrial> ConsumerVictimAsync(Setup setup)
    {
        await using IWorkBoard board = setup.Definition.Create(setup.Endpoint, setup.Options);
        await using ChaosProcess consumer = ChaosProcess.Start(setup.Directory, "chaos-queue-consumer", setup.Arguments);
        var putter = new Putter();
        var reports = new List<long>();
        var drained = new List<long>();
        using var stopPutting = new CancellationTokenSource();
        using var stopCollecting = new CancellationTokenSource();
        using var stopDraining = new CancellationTokenSource();
        Task<CallEnd> putting = Task.Run(() => PutAllAsync(board.Items, putter, stopPutting.Token));
        Task<CallEnd> collecting = Task.Run(() => CollectAsync(board.Results, static result => result.Sequence, settle: false, reports, stopCollecting.Token));
        Task<CallEnd>? draining = null;
        try
        {
            if (!await UntilAsync(() => Count(reports) > 0 || collecting.IsCompleted, ChaosDriver.StartPatience).ConfigureAwait(false))
                return setup.NotStarted("the consumer did not start reporting: " + consumer.StandardError);

            await Task.Delay(setup.Delay).ConfigureAwait(false);
            long signalStamp = Stopwatch.GetTimestamp();
            consumer.Signal(setup.SignalNumber);
            stopPutting.Cancel();
            CallEnd put = await putting.ConfigureAwait(false);
            if (put.Outcome != nameof(OperationCanceledException))
                return setup.Result(null, 0, $"this process's put ended with {put.Outcome} while the host lived");
            long produced = Volatile.Read(ref putter.Returned);

            // Get and settle what is left; Join completes once the victim's unsettled item is put back or settled for it.
            draining = Task.Run(() => CollectAsync(board.Items, static item => item.Sequence, settle: true, drained, stopDraining.Token));
            Task<long> joined = StampAsync(board.Items.JoinAsync().AsTask());
            if (await Task.WhenAny(joined, Task.Delay(setup.Bound + Slack)).ConfigureAwait(false) != joined)
                return setup.Result(null, Count(drained), $"hang: Join did not complete ({board.Items.Count} items in the queue)");
            var (seconds, late) = setup.Since(signalStamp, await joined.ConfigureAwait(false), "Join");
            stopDraining.Cancel();
            stopCollecting.Cancel();
            await draining.ConfigureAwait(false);
            await collecting.ConfigureAwait(false);
            while (board.Results.TryGet(out WorkResult result))
                reports.Add(result.Sequence);

            var (violation, duplicates, dropped) = QueueDeliveryCheck.Check(setup.Redeliver, produced, reports, drained);
            return setup.Result(seconds, reports.Count + drained.Count, late ?? violation ?? (board.Items.Count != 0 ? $"{board.Items.Count} items left in the queue after Join" : null))
                with { Duplicates = duplicates, Dropped = dropped };
        }
        finally
        {
            stopPutting.Cancel();
            stopCollecting.Cancel();
            stopDraining.Cancel();
            await putting.ConfigureAwait(false);
            await collecting.ConfigureAwait(false);
            if (draining is not null)
                await draining.ConfigureAwait(false);
        }
    }

    private static async Task<CallEnd> PutAllAsync(ProcessQueue<WorkItem> items, Putter putter, CancellationToken cancellationToken)
    {
        try
        {
            for (long sequence = 0; ; sequence++)
            {
                Volatile.Write(ref putter.Attempted, sequence + 1);
                await items.PutAsync(new WorkItem(QueueChaosScenarios.Producer, sequence), cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref putter.Returned, sequence + 1);
            }
        }
        catch (Exception ex)
        {
            return CallEnd.Of(ex);
        }
    }

    /// <summary>Gets and settles items, checking that the producer's come as 0, 1, 2, ...; ends at the probe item or at the first exception.</summary>
    private static async Task<CallEnd> GetAllAsync(ProcessQueue<WorkItem> items, Getter getter, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                WorkItem item = await items.GetAsync(cancellationToken).ConfigureAwait(false);
                items.TaskDone();
                if (item.Producer == ProbeProducer)
                    return new CallEnd("probe", Stopwatch.GetTimestamp());
                if (item.Sequence != getter.Got)
                    getter.Violation ??= $"got {item.Sequence} where {getter.Got} was next (not in order, lost or twice)";
                Volatile.Write(ref getter.Got, getter.Got + 1);
            }
        }
        catch (Exception ex)
        {
            return CallEnd.Of(ex);
        }
    }

    /// <summary>Gets items until cancelled or failed, adding each one's sequence number to <paramref name="into"/>, and settles each when <paramref name="settle"/>.</summary>
    private static async Task<CallEnd> CollectAsync<T>(ProcessQueue<T> queue, Func<T, long> sequence, bool settle, List<long> into, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                T item = await queue.GetAsync(cancellationToken).ConfigureAwait(false);
                lock (into)
                    into.Add(sequence(item));
                if (settle)
                    queue.TaskDone();
            }
        }
        catch (Exception ex)
        {
            return CallEnd.Of(ex);
        }
    }

    private static int Count(List<long> list)
    {
        lock (list)
            return list.Count;
    }

    private static async Task<long> StampAsync(Task task)
    {
        await task.ConfigureAwait(false);
        return Stopwatch.GetTimestamp();
    }

    private static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
                return false;
            await Task.Delay(5).ConfigureAwait(false);
        }
        return true;
    }
}
