using System.Threading.Channels;
using Channels;

namespace Channels.TestChild.Calls;

/// <summary>Call lanes served by <see cref="CallEntries.Serve"/>.</summary>
[ChannelContract]
public partial interface ICalls
{
    /// <summary>Answers x * x, in batches answered in random order.</summary>
    ChannelCall<int, long> Square { get; }

    /// <summary>Never answers; the callee waits for the call's token and reports the request on <see cref="Cancelled"/>.</summary>
    ChannelCall<int, int> Wait { get; }

    /// <summary>Requests whose token fired at the callee.</summary>
    ChannelReader<int> Cancelled { get; }

    /// <summary>Throws InvalidDataException with the request as message.</summary>
    ChannelCall<string, int> Fail { get; }
}
