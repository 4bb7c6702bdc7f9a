using System.Diagnostics;

namespace Channels;

/// <summary>
/// How many chunks one worker holds ahead of its answers. Fixed when <see cref="ProcessPoolOptions.PrefetchPerWorker"/>
/// is set; otherwise sized from the measured time a chunk takes in the worker: enough chunks to cover about a
/// millisecond of work, so that many tiny tasks share the link's batches, and never fewer than two, so that long tasks
/// stay balanced across workers at the end of a map while a worker still never waits for its next chunk.
/// </summary>
/// <remarks>One feeder waits for room; answers come from any thread.</remarks>
internal sealed class PrefetchWindow
{
    /// <summary>The fewest chunks ahead an automatic window keeps.</summary>
    public const int AutomaticMinimum = 2;

    /// <summary>The most chunks ahead an automatic window keeps.</summary>
    public const int AutomaticMaximum = 256;

    private const int AutomaticStart = 8;
    private static readonly double Horizon = Stopwatch.Frequency / 1000.0;
    private static readonly double TinyChunkTicks = Stopwatch.Frequency / 20_000.0;

    private readonly Lock _gate = new();
    private readonly bool _automatic;
    private int _limit;
    private int _inFlight;
    private long _lastAnswer;
    private double _chunkTicks = -1;
    private TaskCompletionSource? _room;
    private TaskCompletionSource? _idle;

    public PrefetchWindow(int? fixedSize)
    {
        _automatic = fixedSize is null;
        _limit = fixedSize ?? AutomaticStart;
    }

    /// <summary>The current limit (for tests and diagnostics).</summary>
    public int Limit
    {
        get
        {
            lock (_gate)
                return _limit;
        }
    }

    /// <summary>Completes when one more chunk may be sent.</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_inFlight < _limit)
                return Task.CompletedTask;
            _room ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _room.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>How many more chunks may be sent now (0 when the window is full).</summary>
    public int Room
    {
        get
        {
            lock (_gate)
                return Math.Max(0, _limit - _inFlight);
        }
    }

    /// <summary><paramref name="chunks"/> chunks were sent; returns the timestamp to hand back to <see cref="Answered"/> for each.</summary>
    public long Sent(int chunks = 1)
    {
        lock (_gate)
            _inFlight += chunks;
        return Stopwatch.GetTimestamp();
    }

    /// <summary>The chunk sent at <paramref name="sentAt"/> was answered or handed back.</summary>
    public void Answered(long sentAt)
    {
        TaskCompletionSource? room = null, idle = null;
        long now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            _inFlight--;
            Adapt(now - Math.Max(sentAt, _lastAnswer));
            _lastAnswer = now;
            if (_inFlight < _limit)
                (room, _room) = (_room, null);
            if (_inFlight == 0)
                (idle, _idle) = (_idle, null);
        }
        room?.TrySetResult();
        idle?.TrySetResult();
    }

    /// <summary>Completes when every chunk sent has been answered or handed back.</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate)
        {
            if (_inFlight == 0)
                return Task.CompletedTask;
            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    /// <summary>
    /// Whether the chunks answered so far took under 50 µs each: then several may travel in one call
    /// (<see cref="PoolBundle"/>) without holding a result back for long; a worker with longer chunks gets them one per call.
    /// </summary>
    public bool ChunksAreTiny
    {
        get
        {
            lock (_gate)
                return _chunkTicks >= 0 && _chunkTicks < TinyChunkTicks;
        }
    }

    // A worker serves chunks one at a time, so the time from the later of "sent" and "previous answer" to this answer
    // is what this chunk cost there (plus the link's latency, which only makes the window larger for tiny tasks).
    // Chunks answered together (a bundle) give the bundle's time once and nothing for the others: their average is
    // still the time per chunk.
    private void Adapt(long sample)
    {
        _chunkTicks = _chunkTicks < 0 ? sample : _chunkTicks + (sample - _chunkTicks) / 8;
        if (!_automatic)
            return;
        double wanted = _chunkTicks <= 0 ? AutomaticMaximum : Horizon / _chunkTicks;
        _limit = (int)Math.Clamp(Math.Ceiling(wanted), AutomaticMinimum, AutomaticMaximum);
    }
}
