namespace Channels.Benchmarks.Systems;

/// <summary>The names of the systems in the table, the chart and the target checks.</summary>
public static class SystemNames
{
    /// <summary>The baseline every ratio refers to.</summary>
    public const string HandWritten = "hand-written socket + MemoryPack";

    /// <summary>StreamJsonRpc.</summary>
    public const string JsonRpc = "StreamJsonRpc (MessagePack, Unix socket)";

    /// <summary>Channels over its Unix domain socket transport, parent and child process.</summary>
    public const string ChannelsUnix = "Channels (Unix socket)";

    /// <summary>Channels over its Unix domain socket transport with every instrument of the meter "Channels" listened to.</summary>
    public const string ChannelsUnixMetered = "Channels (Unix socket, metrics on)";

    /// <summary>Channels over shared memory negotiated on the Unix socket, default (spin-then-park) waits.</summary>
    public const string ChannelsShm = "Channels (shared memory)";

    /// <summary>Channels over shared memory with busy-spinning waits.</summary>
    public const string ChannelsShmSpin = "Channels (shared memory, busy-spin)";

    /// <summary>Channels with both ends in one process (reference: no transport at all).</summary>
    public const string ChannelsInProcess = "Channels (in-process)";

    /// <summary>The BCL bounded channel (SingleReader/SingleWriter) in one process: the yardstick of the in-process rows.</summary>
    public const string BclBounded = "BCL bounded channel (in-process)";

    /// <summary>MemoryPack's encoding and decoding alone, on two threads of one process: the ceiling of every IPC system.</summary>
    public const string CodecAlone = "MemoryPack alone (encode ∥ decode, no transport)";

    /// <summary>Channels ProcessQueue with default options.</summary>
    public const string ChannelsQueue = "Channels ProcessQueue (default options)";

    /// <summary>Channels ProcessPool with one worker per core (the map cases).</summary>
    public const string ChannelsPool = "Channels ProcessPool";

    /// <summary>Channels ProcessPool with one worker (the CPU-bound case).</summary>
    public const string ChannelsPoolOneWorker = "Channels ProcessPool, 1 worker";

    /// <summary>Channels ProcessPool with two workers (the CPU-bound case).</summary>
    public const string ChannelsPoolTwoWorkers = "Channels ProcessPool, 2 workers";

    /// <summary>Channels links over a local nats-server.</summary>
    public const string ChannelsNats = "Channels over NATS (link)";

    /// <summary>NATS.Net publish/subscribe of MemoryPack bytes, several records per message.</summary>
    public const string NatsRaw = "raw NATS.Net pub/sub (MemoryPack, batched)";

    /// <summary>Channels ProcessQueue on the NATS (JetStream) engine.</summary>
    public const string ChannelsNatsQueue = "Channels ProcessQueue (JetStream)";

    /// <summary>NATS.Net JetStream publish and pull-consume with acks.</summary>
    public const string NatsRawJetStream = "raw NATS.Net JetStream (publish, pull-consume, ack)";

    /// <summary>Python's Pool.</summary>
    public const string PythonPool = "Python mp Pool";

    /// <summary>Python's Pipe.</summary>
    public const string PythonPipe = "Python mp Pipe";

    /// <summary>Python's Queue.</summary>
    public const string PythonQueue = "Python mp Queue";
}
