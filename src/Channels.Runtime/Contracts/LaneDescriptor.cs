namespace Channels.Contracts;

/// <summary>Describes one lane of a contract: its name, position on the wire, direction and message type.</summary>
/// <param name="Name">The contract member's name.</param>
/// <param name="Direction">Which end writes (link lanes; queue lanes use <see cref="LaneDirection.OpenerToPeer"/>).</param>
/// <param name="MessageType">The message type's fully qualified name, for error messages.</param>
public sealed record LaneDescriptor(string Name, LaneDirection Direction, string MessageType)
{
    /// <summary>For a <see cref="ProcessQueue{T}"/> lane, its <see cref="QueueAttribute.Capacity"/> (0: unbounded).</summary>
    public int QueueCapacity { get; init; }

    /// <summary>For a <see cref="ProcessQueue{T}"/> lane, its <see cref="QueueAttribute.Redeliver"/>.</summary>
    public bool QueueRedeliver { get; init; }
}
