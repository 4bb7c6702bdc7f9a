using Channels.Transports;

namespace Channels.Runtime.Tests.Infrastructure;

/// <summary>A transport that keeps every byte handed to it, for tests of what the send path writes.</summary>
internal sealed class CapturingTransport : ILinkTransport
{
    private readonly MemoryStream _bytes = new();

    public string Description => "capture";

    /// <summary>Everything sent so far.</summary>
    public byte[] Bytes
    {
        get
        {
            lock (_bytes)
                return _bytes.ToArray();
        }
    }

    public void Start(IFrameReceiver receiver, int maxFrameSize, int laneCount)
    {
    }

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

    public void Close()
    {
    }
}
