using System.Diagnostics;

namespace Channels.Queues;

/// <summary>
/// A growable ring buffer that can take items back at its front: redelivered items go ahead of newer ones so
/// that a consumer's death does not reorder the queue more than necessary.
/// </summary>
[DebuggerDisplay("Count = {Count}")]
internal sealed class ItemDeque<T>
{
    private T[] _buffer = new T[16];
    private int _head;
    private int _count;

    public int Count => _count;

    public void PushBack(T item)
    {
        if (_count == _buffer.Length) Grow();
        _buffer[(_head + _count) & (_buffer.Length - 1)] = item;
        _count++;
    }

    public void PushFront(T item)
    {
        if (_count == _buffer.Length) Grow();
        _head = (_head - 1) & (_buffer.Length - 1);
        _buffer[_head] = item;
        _count++;
    }

    public T PopFront()
    {
        Debug.Assert(_count > 0);
        T item = _buffer[_head];
        _buffer[_head] = default!;
        _head = (_head + 1) & (_buffer.Length - 1);
        _count--;
        return item;
    }

    public T PopBack()
    {
        Debug.Assert(_count > 0);
        int index = (_head + _count - 1) & (_buffer.Length - 1);
        T item = _buffer[index];
        _buffer[index] = default!;
        _count--;
        return item;
    }

    public T PeekFront()
    {
        Debug.Assert(_count > 0);
        return _buffer[_head];
    }

    public void Clear()
    {
        while (_count > 0) PopFront();
        _head = 0;
    }

    // The length stays a power of two so that wrapping is a mask, not a division.
    private void Grow()
    {
        var bigger = new T[_buffer.Length * 2];
        for (int i = 0; i < _count; i++)
            bigger[i] = _buffer[(_head + i) & (_buffer.Length - 1)];
        _buffer = bigger;
        _head = 0;
    }
}
