namespace Channels.Queues;

/// <summary>Timeouts of queue operations: conversion and what is left of them.</summary>
internal static class QueueWaits
{
    /// <summary>The timeout meaning "wait forever".</summary>
    public const int Infinite = Timeout.Infinite;

    /// <summary>The longest single sleep, so that a lost peer or a cancellation is noticed even without a wake-up.</summary>
    public const int SliceMs = 250;

    public static int ToMilliseconds(TimeSpan? timeout)
    {
        if (timeout is not { } value) return Infinite;
        if (value == Timeout.InfiniteTimeSpan) return Infinite;
        double ms = value.TotalMilliseconds;
        if (ms < 0) throw new ArgumentOutOfRangeException(nameof(timeout), value, "A queue timeout must not be negative (use null to wait forever).");
        return ms >= int.MaxValue ? int.MaxValue - 1 : (int)Math.Ceiling(ms);
    }

    /// <summary>Milliseconds left of <paramref name="timeoutMs"/> since <paramref name="startTicks"/> (<see cref="Environment.TickCount64"/>), as one sleep: at most <see cref="SliceMs"/>; 0 when the time is up.</summary>
    public static int NextSlice(long startTicks, int timeoutMs)
    {
        int left = Left(startTicks, timeoutMs);
        return left == Infinite ? SliceMs : Math.Min(left, SliceMs);
    }

    /// <summary>Milliseconds left of <paramref name="timeoutMs"/> since <paramref name="startTicks"/>: <see cref="Infinite"/> for no timeout; 0 when the time is up.</summary>
    public static int Left(long startTicks, int timeoutMs)
    {
        if (timeoutMs == Infinite) return Infinite;
        long left = timeoutMs - (Environment.TickCount64 - startTicks);
        return left <= 0 ? 0 : (int)left;
    }
}
