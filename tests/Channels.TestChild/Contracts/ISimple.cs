using System.Threading.Channels;

namespace Channels.TestChild.Contracts;

/// <summary>A small contract for lane semantics: numbers out, echoes back, notes out.</summary>
[ChannelContract]
public partial interface ISimple
{
    ChannelWriter<long> Numbers { get; }

    ChannelReader<long> Echoes { get; }

    ChannelWriter<string> Notes { get; }
}
