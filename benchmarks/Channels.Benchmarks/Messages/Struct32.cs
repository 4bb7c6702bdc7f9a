using System.Runtime.InteropServices;

namespace Channels.Benchmarks.Messages;

/// <summary>The unmanaged case: 32 bytes with no references, which MemoryPack copies whole.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct Struct32(long A, long B, double C, double D);
