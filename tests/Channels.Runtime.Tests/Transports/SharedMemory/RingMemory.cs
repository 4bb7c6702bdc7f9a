using System.Runtime.InteropServices;
using Channels.Transports.SharedMemory;

namespace Channels.Runtime.Tests.Transports.SharedMemory;

/// <summary>A ring in zeroed native memory of this process, for tests that need no second process.</summary>
internal sealed unsafe class RingMemory : IDisposable
{
    public RingMemory(int capacity)
    {
        Capacity = capacity;
        Size = RingLayout.RegionSize(capacity);
        Region = (byte*)NativeMemory.AlignedAlloc((nuint)Size, 4096);
        RingLayout.Initialize(new Span<byte>(Region, Size), capacity);
        Producer = new RingProducer(Region, capacity);
        Consumer = new RingConsumer(Region, capacity);
    }

    public int Capacity { get; }

    public int Size { get; }

    public byte* Region { get; }

    public RingProducer Producer { get; }

    public RingConsumer Consumer { get; }

    public Span<byte> Data => new(Region + RingLayout.HeaderSize, Capacity);

    public ReadOnlySpan<byte> Payload(int offset, int length) => new(Consumer.Data + offset, length);

    public void Dispose() => NativeMemory.AlignedFree(Region);
}
