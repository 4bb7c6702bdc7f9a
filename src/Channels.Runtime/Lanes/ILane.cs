namespace Channels.Lanes;

/// <summary>What a link needs from any of its lanes, whatever the message type.</summary>
internal interface ILane
{
    /// <summary>The lane's number on the wire.</summary>
    int Lane { get; }

    /// <summary>Ends every pending and later operation with <paramref name="error"/> (buffered messages are still read first).</summary>
    void FailLink(Exception error);
}
