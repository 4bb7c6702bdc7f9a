namespace Channels.TestChild.Chaos;

/// <summary>What one chaos trial did and saw.</summary>
/// <param name="Number">The trial's number in its run.</param>
/// <param name="Kind">"link" (two processes joined at a named endpoint), "child" (this process and a ChildProcess),
/// "queue" or "redelivery-queue" (a queue with and without <c>Redeliver</c>).</param>
/// <param name="Victim">Which end was signalled: "writer", "reader", "child", "host", "producer" or "consumer".</param>
/// <param name="Signal">"KILL" or "STOP".</param>
/// <param name="DelayMilliseconds">How long messages flowed before the signal.</param>
/// <param name="DetectionSeconds">From the signal to the end of the survivor's last pending call (stamped by the survivor
/// on the system-wide monotonic clock); null if it never ended (a hang) or the trial never started.</param>
/// <param name="Delivered">Messages or items the survivors got (or the surviving writer wrote).</param>
/// <param name="SurvivorMegabytes">The survivor's working set at its end, where known.</param>
/// <param name="Violation">What went wrong, or null.</param>
public sealed record ChaosTrial(
    int Number, string Kind, string Victim, string Signal, int DelayMilliseconds, double? DetectionSeconds, long Delivered, long? SurvivorMegabytes, string? Violation)
{
    /// <summary>Items delivered twice, as promised: only in a redelivery queue, the item a killed or stopped consumer had got and not settled.</summary>
    public long Duplicates { get; init; }

    /// <summary>Items gone with a killed or stopped consumer of a plain queue, as promised: got by it and never reported.</summary>
    public long Dropped { get; init; }

    /// <summary>Why the trial could not start (before any signal: a process that did not come up in time), or null if it ran.</summary>
    public string? NotStarted { get; init; }

    /// <summary>Attempts that could not start before this one ran (each is retried with the same moment and victim).</summary>
    public int StartRetries { get; init; }

    /// <summary>Why the attempts before this one could not start, one reason per retry, or null.</summary>
    public string? RetryReasons { get; init; }

    /// <summary>A trial that never started: no signal was sent, so it says nothing about the promises.</summary>
    public static ChaosTrial StartFailure(int number, string kind, string victim, string signal, int delay, string reason)
        => new(number, kind, victim, signal, delay, null, 0, null, null) { NotStarted = reason };

    /// <summary>The trial ran and its survivors never ended their pending calls.</summary>
    public bool IsHang => NotStarted is null && DetectionSeconds is null;
}
