using System.Runtime.InteropServices;
using MemoryPack;

namespace Channels.TestChild.Contracts;

/// <summary>A message with a string and a nested record.</summary>
[MemoryPackable]
public sealed partial record Order(long Id, string Customer, Address ShipTo);

/// <summary>The nested record of <see cref="Order"/>.</summary>
[MemoryPackable]
public sealed partial record Address(string City, int Zip);

/// <summary>An unmanaged message: MemoryPack copies it whole.</summary>
[StructLayout(LayoutKind.Sequential)]
public record struct Tick(long Sequence, double Value, int Source);

/// <summary>A [MemoryPackable] class message.</summary>
[MemoryPackable]
public sealed partial class Receipt
{
    public long OrderId { get; set; }
    public ulong Checksum { get; set; }
    public string Note { get; set; } = "";
}
