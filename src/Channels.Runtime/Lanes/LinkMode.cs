namespace Channels.Lanes;

/// <summary>How a link carries its lanes.</summary>
internal enum LinkMode
{
    /// <summary>Created, lanes being added, not connected yet (a link over a transport before <c>Start</c>).</summary>
    Created,

    /// <summary>One end of a pipe whose peer end is neither used in this process nor handed to a child yet.</summary>
    PendingPipe,

    /// <summary>The peer end of a pipe handed to a child process; unusable here.</summary>
    Detached,

    /// <summary>Both ends in this process: messages pass as objects.</summary>
    Local,

    /// <summary>Connected over a transport (a Unix domain socket, ...): messages pass as frames.</summary>
    Transport,
}
