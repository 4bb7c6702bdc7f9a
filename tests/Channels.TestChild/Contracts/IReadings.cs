using System.Threading.Channels;
using MemoryPack;

namespace Channels.TestChild.Contracts;

/// <summary>
/// Records whose codecs write MemoryPack's bytes themselves (see <c>IDirectLaneCodec</c>): a [MemoryPackable] one and
/// a plain one, each sent out and echoed back.
/// </summary>
[ChannelContract]
public partial interface IReadings
{
    ChannelWriter<Reading> Readings { get; }

    ChannelReader<Reading> ReadingEchoes { get; }

    ChannelWriter<Marker> Markers { get; }

    ChannelReader<Marker> MarkerEchoes { get; }
}

/// <summary>A sensor reading: a [MemoryPackable] positional record of primitives, an enum and strings.</summary>
[MemoryPackable]
public sealed partial record Reading(long Sequence, string? Sensor, double Value, Quality Quality, bool Flag, string Unit);

/// <summary>How far a <see cref="Reading"/> can be trusted.</summary>
public enum Quality : byte
{
    Good,
    Doubtful,
    Bad,
}

/// <summary>A plain positional record (no MemoryPack attribute: the generator's formatter), with unmanaged structs.</summary>
public sealed record Marker(int Id, string? Label, DateTime At, Guid Key);
