using System.Buffers;
using Channels.Wire;

namespace Channels.Transports;

/// <summary>
/// Turns a byte stream into frames for the stream transports: received bytes land in one pooled buffer, every
/// complete frame in it goes to the receiver, a partial frame waits for the rest (the buffer grows only for a frame
/// larger than itself, and only after its length field was checked against the maximum).
/// </summary>
/// <remarks>
/// A partial frame of at least <see cref="FrameLayout.LargeFrameBytes"/> whose receiver names an array for it
/// (<see cref="IFrameReceiver.LargeFrameDestination"/>) is received straight into that array: the next receives
/// are asked for exactly the frame's missing bytes, so the message is copied once, by the kernel or from the
/// transport's memory, instead of twice.
/// </remarks>
internal sealed class FrameAssembler : IDisposable
{
    private const int InitialSize = 256 * 1024;
    private const int MinimumReceive = 16 * 1024;

    private readonly IFrameReceiver _receiver;
    private readonly int _maxFrameSize;
    private readonly int _laneCount;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _start;
    private int _end;
    // A large frame being received into its receiver's array: the header, the payload's first bytes, the array
    // and how much of it is filled.
    private byte[]? _rest;
    private int _restFilled;
    private FrameHeader _restHeader;
    private readonly byte[] _restHead = new byte[FrameLayout.LargeFrameHeadSize];
    // The receiver was asked about the partial frame at the start of the buffer (and declined).
    private bool _asked;

    public FrameAssembler(IFrameReceiver receiver, int maxFrameSize, int laneCount)
    {
        _receiver = receiver;
        _maxFrameSize = maxFrameSize;
        _laneCount = laneCount;
    }

    /// <summary>Bytes of a frame received only in part.</summary>
    public int PartialBytes => _rest is null ? _end - _start : FrameLayout.HeaderSize + FrameLayout.LargeFrameHeadSize + _restFilled;

    /// <summary>
    /// Where the next received bytes go: room for a large read, or at least for the rest of the partial frame; while a
    /// large frame goes to its own array, exactly the bytes it still misses.
    /// </summary>
    public Memory<byte> GetReceiveMemory()
    {
        if (_rest is not null)
            return _rest.AsMemory(_restFilled);
        if (_buffer.Length - _end < MinimumReceive)
        {
            int needed = NeededForFrame();
            if (needed > _buffer.Length)
            {
                byte[] bigger = ArrayPool<byte>.Shared.Rent(needed);
                _buffer.AsSpan(_start, _end - _start).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
                _end -= _start;
                _start = 0;
            }
            else if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
        }
        return _buffer.AsMemory(_end);
    }

    /// <summary>Takes <paramref name="count"/> bytes written into <see cref="GetReceiveMemory"/> and delivers every complete frame.</summary>
    /// <exception cref="ProtocolException">A header is invalid, or the receiver refused a frame.</exception>
    public void Commit(int count)
    {
        if (_rest is not null)
        {
            _restFilled += count;
            if (_restFilled == _rest.Length)
                DeliverLargeFrame();
            return;
        }
        _end += count;
        byte[] buffer = _buffer;
        int start = _start;
        int end = _end;
        while (FrameParser.TryReadHeader(buffer.AsSpan(start, end - start), _maxFrameSize, _laneCount, out FrameHeader header))
        {
            if (end - start < header.FrameSize)
            {
                if (!_asked && header.PayloadLength >= FrameLayout.LargeFrameBytes && end - start >= FrameLayout.HeaderSize + FrameLayout.LargeFrameHeadSize)
                {
                    _asked = true;
                    if (TryReceiveIntoOwnArray(header, buffer.AsSpan(start, end - start)))
                    {
                        _start = _end = 0;
                        return;
                    }
                }
                break;
            }
            _receiver.OnFrame(header, buffer.AsMemory(start + FrameLayout.HeaderSize, header.PayloadLength));
            start += header.FrameSize;
            // The next partial frame is another one: its receiver has not been asked yet.
            _asked = false;
        }
        if (start == end)
            start = _end = 0;
        _start = start;
    }

    // The partial frame at the start of received is large: when its receiver names an array for the rest of the
    // payload, what is here goes into it and the rest will too.
    private bool TryReceiveIntoOwnArray(FrameHeader header, ReadOnlySpan<byte> received)
    {
        ReadOnlySpan<byte> head = received.Slice(FrameLayout.HeaderSize, FrameLayout.LargeFrameHeadSize);
        byte[]? rest = _receiver.LargeFrameDestination(header, head);
        if (rest is null)
            return false;
        if (rest.Length != header.PayloadLength - FrameLayout.LargeFrameHeadSize)
            throw new InvalidOperationException($"The receiver named an array of {rest.Length} bytes for the last {header.PayloadLength - FrameLayout.LargeFrameHeadSize} of a frame.");
        ReadOnlySpan<byte> here = received.Slice(FrameLayout.HeaderSize + FrameLayout.LargeFrameHeadSize);
        here.CopyTo(rest);
        head.CopyTo(_restHead);
        _restHeader = header;
        _restFilled = here.Length;
        _rest = rest;
        return true;
    }

    private void DeliverLargeFrame()
    {
        byte[] rest = _rest!;
        _rest = null;
        _restFilled = 0;
        _asked = false;
        _receiver.OnLargeFrame(_restHeader, _restHead, rest);
    }

    /// <summary>Copies <paramref name="bytes"/> in and delivers every complete frame (for transports that receive into their own buffers).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            Memory<byte> room = GetReceiveMemory();
            int count = Math.Min(room.Length, bytes.Length);
            bytes.Slice(0, count).CopyTo(room.Span);
            bytes = bytes.Slice(count);
            Commit(count);
        }
    }

    /// <summary>
    /// The error for a stream that ended now, or null when it ended at a frame boundary; its inner
    /// <see cref="EndOfStreamException"/> says the stream ended (a link asks whether the peer died in a send).
    /// </summary>
    public ProtocolException? EndOfStreamError(string description)
        => PartialBytes == 0 ? null : new ProtocolException($"The {description} connection ended inside a frame ({PartialBytes} bytes of an incomplete frame received).", new EndOfStreamException()) { ErrorType = Diagnostics.ProtocolErrorTypes.Truncated };

    public void Dispose()
    {
        _rest = null;
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }

    private int NeededForFrame()
    {
        if (FrameParser.TryReadHeader(_buffer.AsSpan(_start, _end - _start), _maxFrameSize, _laneCount, out FrameHeader header))
            return header.FrameSize;
        return FrameLayout.HeaderSize;
    }
}
