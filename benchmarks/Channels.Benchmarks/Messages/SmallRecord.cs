using MemoryPack;

namespace Channels.Benchmarks.Messages;

/// <summary>The small-record case: an int, a double and a 16-character string, as in the Python seed's tuple.</summary>
[MemoryPackable]
public sealed partial record SmallRecord(int Id, double Value, string Text);
