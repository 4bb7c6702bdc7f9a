using System.Threading.Channels;

namespace Channels.TestChild.Contracts;

/// <summary>Byte arrays of every size both ways, with a lane of small messages between them.</summary>
[ChannelContract]
public partial interface IBlobs
{
    /// <summary>Arrays from the opener (lane 0).</summary>
    ChannelWriter<byte[]> Blobs { get; }

    /// <summary>Small messages from the opener, interleaved with the arrays (lane 1).</summary>
    ChannelWriter<string> Notes { get; }

    /// <summary>Arrays to the opener (lane 2).</summary>
    ChannelReader<byte[]> Uploads { get; }
}
