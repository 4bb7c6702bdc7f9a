using System.Threading.Channels;
using Channels;

namespace WorkerService;

/// <summary>Squares computed by the worker child.</summary>
public record struct Squared(int Value, long Square);

/// <summary>The link each client opens to the service: names in, greetings out.</summary>
[ChannelContract]
public partial interface IGreeter
{
    /// <summary>The client writes names.</summary>
    ChannelReader<string> Names { get; }

    /// <summary>The service answers each name.</summary>
    ChannelWriter<string> Greetings { get; }
}

/// <summary>The queues the service hosts: clients put jobs and get results; the service's child squares.</summary>
[ChannelContract]
public partial interface IWorkBoard
{
    /// <summary>Numbers to square.</summary>
    [Queue(Capacity = 64)]
    ProcessQueue<int> Jobs { get; }

    /// <summary>The squares, in the order the child finished them.</summary>
    [Queue(Capacity = 64)]
    ProcessQueue<Squared> Results { get; }
}
