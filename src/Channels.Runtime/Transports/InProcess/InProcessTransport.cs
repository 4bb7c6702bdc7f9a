using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;

namespace Channels.Transports.InProcess;

/// <summary>
/// Both ends of a link in one process, with every frame serialized as over a socket: each send is copied into a
/// pooled chunk and queued to the other end, whose receive loop assembles the chunks into frames. It checks a link's
/// frame layer without a kernel in between, and is the reference a new transport is compared with in the
/// conformance tests. (A pipe whose two ends are used in one process does not serialize at all: see ChannelLink.Pipe.)
/// </summary>
[DebuggerDisplay("In-process transport, closed {_closed != 0}")]
internal sealed class InProcessTransport : ILinkTransport
{
    private readonly Channel<Chunk> _incoming = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true });
    private InProcessTransport _other = null!;
    private int _closed;

    private InProcessTransport()
    {
    }

    /// <summary>Makes two connected ends.</summary>
    public static (InProcessTransport First, InProcessTransport Second) CreatePair()
    {
        var first = new InProcessTransport();
        var second = new InProcessTransport();
        first._other = second;
        second._other = first;
        return (first, second);
    }

    public string Description => "in-process";

    public void Start(IFrameReceiver receiver, int maxFrameSize, int laneCount)
        => _ = ReceiveLoopAsync(receiver, maxFrameSize, laneCount);

    public int TrySend(ReadOnlySpan<byte> frames)
    {
        if (frames.IsEmpty || Volatile.Read(ref _closed) != 0)
            return 0;
        byte[] array = ArrayPool<byte>.Shared.Rent(frames.Length);
        frames.CopyTo(array);
        if (_other._incoming.Writer.TryWrite(new Chunk(array, frames.Length)))
            return frames.Length;
        ArrayPool<byte>.Shared.Return(array);
        return 0;
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> frames)
    {
        if (TrySend(frames.Span) != frames.Length)
            return ValueTask.FromException(new IOException($"The {Description} link is closed; {frames.Length} bytes were not sent."));
        return default;
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        // The other end receives what was sent before, then its end; this end stops receiving at once.
        _other._incoming.Writer.TryComplete();
        _incoming.Writer.TryComplete();
        _other.Close();
    }

    private async Task ReceiveLoopAsync(IFrameReceiver receiver, int maxFrameSize, int laneCount)
    {
        using var frames = new FrameAssembler(receiver, maxFrameSize, laneCount);
        Exception? end;
        try
        {
            while (await _incoming.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_incoming.Reader.TryRead(out Chunk chunk))
                {
                    try
                    {
                        frames.Append(chunk.Array.AsSpan(0, chunk.Length));
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(chunk.Array);
                    }
                }
            }
            end = frames.EndOfStreamError(Description);
        }
        catch (Exception ex)
        {
            end = ex;
        }
        while (_incoming.Reader.TryRead(out Chunk left))
            ArrayPool<byte>.Shared.Return(left.Array);
        receiver.OnEnd(end);
    }

    private readonly record struct Chunk(byte[] Array, int Length);
}
