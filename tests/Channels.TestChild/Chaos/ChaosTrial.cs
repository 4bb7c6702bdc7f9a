namespace Channels.TestChild.Chaos;

/// <summary>What one chaos trial did and saw.</summary>
/// <param name="Number">The trial's number in its run.</param>
/// <param name="Kind">"link" (two processes joined at a named endpoint) or "child" (this process and a ChildProcess).</param>
/// <param name="Victim">Which end was signalled: "writer", "reader" or "child".</param>
/// <param name="Signal">"KILL" or "STOP".</param>
/// <param name="DelayMilliseconds">How long the link carried messages before the signal.</param>
/// <param name="DetectionSeconds">From the signal to the end of the survivor's pending call; null if it never ended (a hang).</param>
/// <param name="Delivered">Messages the surviving reader got (or the surviving writer wrote).</param>
/// <param name="SurvivorMegabytes">The survivor's working set at its end, where known.</param>
/// <param name="Violation">What went wrong, or null.</param>
public sealed record ChaosTrial(
    int Number, string Kind, string Victim, string Signal, int DelayMilliseconds, double? DetectionSeconds, long Delivered, long? SurvivorMegabytes, string? Violation);
