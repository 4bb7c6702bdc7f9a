using MemoryPack;

namespace Channels.Runtime.Tests.Infrastructure;

/// <summary>
/// A message that refers to itself through its ring: MemoryPack tracks references while encoding it. A node marked
/// <see cref="Poisoned"/> fails its message's encoding after the nodes before it were recorded as references.
/// </summary>
[MemoryPackable(GenerateType.CircularReference)]
public sealed partial class RingNode
{
    [MemoryPackOrder(0)]
    public long Value { get; set; }

    [MemoryPackOrder(1)]
    public string? Label { get; set; }

    [MemoryPackOrder(2)]
    public RingNode? Next { get; set; }

    // Read while the node is encoded.
    [MemoryPackOrder(3)]
    public int Check
    {
        get => Poisoned ? throw new InvalidOperationException("poisoned node") : 0;
        set { }
    }

    [MemoryPackIgnore]
    public bool Poisoned { get; set; }
}
