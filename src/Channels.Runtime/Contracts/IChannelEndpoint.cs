namespace Channels.Contracts;

/// <summary>
/// Implemented by every generated endpoint (both ends of a link contract): gives the runtime the link behind
/// the typed members, so that <see cref="ChildProcess"/> can hand an end to a child process.
/// </summary>
public interface IChannelEndpoint
{
    /// <summary>The link that carries this endpoint's lanes.</summary>
    ChannelLink Link { get; }
}
