namespace Channels;

/// <summary>Told when a <see cref="PoolTask"/> is done: its reply, or the error that ended it for good.</summary>
internal interface IPoolTaskSink
{
    void OnCompleted(PoolTask task, byte[]? reply, Exception? error);
}

/// <summary>One chunk of one map (or one apply) on its way through the pool.</summary>
internal sealed class PoolTask(string function, byte[] items, int count, int sequence, int offset, IPoolTaskSink sink, CancellationToken cancellationToken)
{
    public string Function => function;

    public byte[] Items => items;

    /// <summary>How many items the chunk holds.</summary>
    public int Count => count;

    /// <summary>The chunk's number within its map, from 0.</summary>
    public int Sequence => sequence;

    /// <summary>The input position of the chunk's first item.</summary>
    public int Offset => offset;

    public IPoolTaskSink Sink => sink;

    public CancellationToken CancellationToken => cancellationToken;

    /// <summary>How many times a worker died with this task in flight.</summary>
    public int Losses { get; set; }
}
