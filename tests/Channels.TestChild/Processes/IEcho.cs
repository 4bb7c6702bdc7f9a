using System.Threading.Channels;
using Channels;

namespace Channels.TestChild.Processes;

/// <summary>The parent sends numbers; the child answers on the second lane.</summary>
[ChannelContract]
public partial interface IEcho
{
    ChannelWriter<long> Numbers { get; }

    ChannelReader<long> Answers { get; }
}
