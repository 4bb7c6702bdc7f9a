using Channels.Transports;

namespace Channels.Runtime.Tests.Infrastructure;

/// <summary>
/// A transport that keeps every byte handed to it, for tests of what the send path writes, and gives tests the
/// link's receiver to hand it frames as if they had arrived.
/// </summary>
internal sealed class CapturingTransport : ILinkTransport
{
    private readonly MemoryStream _bytes = new();
    private int _closed;

    public string Description => "capture";

    /// <summary>What the link says when asked whether its readers decode (shared memory's answer, or the socket's).</summary>
    public bool ReadersDecode { get; init; }

    /// <summary>The link's receiver, once started.</summary>
    public IFrameReceiver? Receiver { get; private set; }

    /// <summary>Everything sent so far.</summary>
    public byte[] Bytes
    {
        get
        {
            lock (_bytes)
                return _bytes.ToArray();
        }
    }

    public void Start(IFrameReceiver receiver, int maxFrameSize, int laneCount) => Receiver = receiver;

    public int TrySend(ReadOnlySpan<byte> frames)
    {
        lock (_bytes)
            _bytes.Write(frames);
        return frames.Length;
    }

    public ValueTask SendAsync(ReadOnlyMemory<byte> frames)
    {
        TrySend(frames.Span);
        return default;
    }

    // Ends the link's receiving, as a transport that is closed does (once).
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
            Receiver?.OnEnd(null);
    }
}
