using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Channels.Contracts;

namespace Channels.Queues;

/// <summary>
/// One authenticated socket between a queue host and one client, after the handshake. Frames
/// (<c>u32 length | u16 lane | u8 kind | payload</c>, little endian; the length counts lane, kind and payload)
/// are appended to an output buffer under a lock and sent by one send loop that takes the whole buffer at once,
/// so under load one system call carries everything written meanwhile, while a lone frame is sent at once.
/// </summary>
[DebuggerDisplay("Queue connection {Id} closed={IsClosed}")]
internal sealed class QueueConnection : IBufferWriter<byte>
{
    private const int HeaderSize = 7;
    private const int ReceiveBufferSize = 64 * 1024;

    private static int s_nextId;

    private readonly Socket _socket;
    private readonly int _maxFrameSize;
    private readonly object _outputLock = new();
    private readonly SemaphoreSlim _sendSignal = new(0, 1);
    private IQueueFrameHandler? _handler;
    private byte[] _output = new byte[16 * 1024];
    private byte[]? _spare = new byte[16 * 1024];
    private List<IPendingFrames> _dirty = [];
    private List<IPendingFrames> _dirtySpare = [];
    private int _written;
    private bool _sendScheduled;
    private int _closed;

    public QueueConnection(Socket socket, int maxFrameSize, int laneCount)
    {
        _socket = socket;
        _maxFrameSize = maxFrameSize;
        LaneStates = new object?[laneCount];
        Id = Interlocked.Increment(ref s_nextId);
    }

    /// <summary>A number for messages and debugging.</summary>
    public int Id { get; }

    /// <summary>Per-lane state owned by the lanes (a host's subscriber record), indexed by lane number.</summary>
    public object?[] LaneStates { get; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Starts the receive and send loops; frames go to <paramref name="handler"/>.</summary>
    /// <remarks>
    /// The loops run on two dedicated threads, not on the thread pool: a process that blocks pool threads in
    /// synchronous <c>Get</c>/<c>Put</c> calls (as Python-style code does) must still receive the answers that
    /// unblock them, and a dedicated thread wakes faster than a pool work item is dispatched.
    /// </remarks>
    public void Start(IQueueFrameHandler handler)
    {
        _handler = handler;
        new Thread(SendLoop) { IsBackground = true, Name = $"Channels queue send #{Id}" }.Start();
        new Thread(ReceiveLoop) { IsBackground = true, Name = $"Channels queue receive #{Id}" }.Start();
    }

    /// <summary>Appends an item frame. Silently dropped once the connection is closed (its items are then redelivered).</summary>
    public void WriteItem<T>(int lane, QueueFrameKind kind, ILaneCodec<T> codec, in T item)
    {
        lock (_outputLock)
        {
            if (_closed != 0) return;
            int start = _written;
            EnsureCapacity(HeaderSize + 16);
            _written += HeaderSize;
            try
            {
                codec.Encode(this, in item);
            }
            catch
            {
                _written = start;
                throw;
            }
            int length = _written - start - 4;
            if (length > _maxFrameSize)
            {
                _written = start;
                throw new ArgumentException($"An item of queue lane {lane} encodes to {length} bytes, over the maximum frame size {_maxFrameSize}.");
            }
            WriteHeader(start, length, lane, kind);
            ScheduleSendLocked();
        }
    }

    /// <summary>Appends a frame whose payload is one or two integers, or nothing.</summary>
    public void WriteControl(int lane, QueueFrameKind kind, int first, int? second = null)
    {
        lock (_outputLock)
        {
            if (_closed != 0) return;
            int payload = second is null ? 4 : 8;
            EnsureCapacity(HeaderSize + payload);
            WriteHeader(_written, 3 + payload, lane, kind);
            BinaryPrimitives.WriteInt32LittleEndian(_output.AsSpan(_written + HeaderSize), first);
            if (second is { } value) BinaryPrimitives.WriteInt32LittleEndian(_output.AsSpan(_written + HeaderSize + 4), value);
            _written += HeaderSize + payload;
            ScheduleSendLocked();
        }
    }

    /// <summary>Appends a frame with an empty payload.</summary>
    public void WriteSignal(int lane, QueueFrameKind kind)
    {
        lock (_outputLock)
        {
            if (_closed != 0) return;
            EnsureCapacity(HeaderSize);
            WriteHeader(_written, 3, lane, kind);
            _written += HeaderSize;
            ScheduleSendLocked();
        }
    }

    /// <summary>
    /// Asks for <paramref name="source"/>'s <see cref="IPendingFrames.WritePending"/> before the next send. The
    /// caller may hold its own lock (the send loop calls back without holding the output lock, so the lock order
    /// lane, then output, holds everywhere).
    /// </summary>
    public void AddPending(IPendingFrames source)
    {
        lock (_outputLock)
        {
            if (_closed != 0) return;
            _dirty.Add(source);
            ScheduleSendLocked();
        }
    }

    /// <summary>Appends raw bytes (tests use it to send malformed frames).</summary>
    internal void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        lock (_outputLock)
        {
            if (_closed != 0) return;
            EnsureCapacity(bytes.Length);
            bytes.CopyTo(_output.AsSpan(_written));
            _written += bytes.Length;
            ScheduleSendLocked();
        }
    }

    /// <summary>Ends the connection once; the handler learns of it through <see cref="IQueueFrameHandler.OnClosed"/>.</summary>
    public void Close(Exception? error)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        _socket.Dispose();
        lock (_outputLock)
        {
            if (!_sendScheduled)
            {
                _sendScheduled = true;
                _sendSignal.Release();
            }
        }
        _handler?.OnClosed(this, error);
    }

    /// <summary>Sends what is buffered, then closes: the orderly end of a client that disposes its session.</summary>
    public async ValueTask FlushAndCloseAsync(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!IsClosed && Environment.TickCount64 < deadline)
        {
            lock (_outputLock)
            {
                if (!_sendScheduled) break;
            }
            await Task.Delay(1).ConfigureAwait(false);
        }
        Close(null);
    }

    void IBufferWriter<byte>.Advance(int count) => _written += count;

    Memory<byte> IBufferWriter<byte>.GetMemory(int sizeHint)
    {
        EnsureCapacity(Math.Max(sizeHint, 16));
        return _output.AsMemory(_written);
    }

    Span<byte> IBufferWriter<byte>.GetSpan(int sizeHint)
    {
        EnsureCapacity(Math.Max(sizeHint, 16));
        return _output.AsSpan(_written);
    }

    private void WriteHeader(int at, int length, int lane, QueueFrameKind kind)
    {
        Span<byte> header = _output.AsSpan(at, HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)length);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], (ushort)lane);
        header[6] = (byte)kind;
    }

    private void EnsureCapacity(int bytes)
    {
        if (_output.Length - _written >= bytes) return;
        var bigger = new byte[Math.Max(_output.Length * 2, _written + bytes)];
        _output.AsSpan(0, _written).CopyTo(bigger);
        _output = bigger;
    }

    private void ScheduleSendLocked()
    {
        if (_sendScheduled) return;
        _sendScheduled = true;
        _sendSignal.Release();
    }

    private void SendLoop()
    {
        try
        {
            while (true)
            {
                _sendSignal.Wait();
                while (true)
                {
                    byte[] batch;
                    int length;
                    List<IPendingFrames> dirty;
                    lock (_outputLock)
                    {
                        dirty = _dirty;
                        _dirty = _dirtySpare;
                        _dirtySpare = dirty;
                    }
                    foreach (var source in dirty) source.WritePending();
                    dirty.Clear();
                    lock (_outputLock)
                    {
                        if (_closed != 0) return;
                        if (_written == 0)
                        {
                            // Counters queued after the snapshot above still need their turn.
                            if (_dirty.Count != 0) continue;
                            _sendScheduled = false;
                            break;
                        }
                        batch = _output;
                        length = _written;
                        _output = _spare ?? new byte[batch.Length];
                        _spare = null;
                        _written = 0;
                    }
                    int sent = 0;
                    while (sent < length)
                        sent += _socket.Send(batch.AsSpan(sent, length - sent), SocketFlags.None);
                    lock (_outputLock)
                    {
                        // Keep the larger of the two buffers as the spare, so a burst grows them once.
                        if (_spare is null || batch.Length > _spare.Length) _spare = batch;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            Close(new PeerLostException($"Queue connection {Id}: the other process closed the connection while this side was sending.", innerException: ex));
        }
    }

    private void ReceiveLoop()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        int start = 0, end = 0;
        Exception? error = null;
        try
        {
            while (true)
            {
                if (end == buffer.Length)
                {
                    // Make room: move the partial frame to the front, or grow for a frame longer than the buffer
                    // (its length was checked against the maximum before this point).
                    int pending = end - start;
                    int needed = pending >= 4 ? 4 + (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(start)) : buffer.Length;
                    byte[] target = needed > buffer.Length ? ArrayPool<byte>.Shared.Rent(needed) : buffer;
                    Buffer.BlockCopy(buffer, start, target, 0, pending);
                    if (!ReferenceEquals(target, buffer)) ArrayPool<byte>.Shared.Return(buffer);
                    buffer = target;
                    start = 0;
                    end = pending;
                }
                int read = _socket.Receive(buffer.AsSpan(end), SocketFlags.None);
                if (read == 0)
                {
                    if (end != start) error = new ProtocolException($"Queue connection {Id}: the stream ended inside a frame ({end - start} bytes of it received).");
                    break;
                }
                end += read;
                while (end - start >= 4)
                {
                    uint length = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(start));
                    if (length < 3 || length > (uint)_maxFrameSize)
                        QueueThrow.Protocol($"Queue connection {Id}: frame length {length} is outside 3..{_maxFrameSize}.");
                    if (end - start - 4 < length) break;
                    int lane = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(start + 4));
                    var kind = (QueueFrameKind)buffer[start + 6];
                    var payload = new ReadOnlySequence<byte>(buffer, start + HeaderSize, (int)length - 3);
                    _handler!.OnFrame(this, lane, kind, in payload);
                    start += 4 + (int)length;
                }
                if (start == end) start = end = 0;
                else if (end == buffer.Length && start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            error = IsClosed ? null : new PeerLostException($"Queue connection {Id}: the other process closed the connection.", innerException: ex);
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        Close(error ?? (IsClosed ? null : new PeerLostException($"Queue connection {Id}: the other process closed the connection.")));
    }
}
