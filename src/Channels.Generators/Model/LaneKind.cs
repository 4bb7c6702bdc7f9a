namespace Channels.Generators.Model;

/// <summary>The member type of a lane as the contract declares it (the opener's view).</summary>
internal enum LaneKind
{
    /// <summary><c>ChannelWriter&lt;T&gt;</c>: the opener writes.</summary>
    Writer,

    /// <summary><c>ChannelReader&lt;T&gt;</c>: the opener reads.</summary>
    Reader,

    /// <summary><c>ProcessQueue&lt;T&gt;</c>.</summary>
    Queue,

    /// <summary><c>ChannelCall&lt;TRequest, TResponse&gt;</c>: the opener calls, the peer serves (two lanes on the wire).</summary>
    Call,
}
