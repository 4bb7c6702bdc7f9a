namespace Channels.Generators.Model;

/// <summary>One lane of a contract, ready to emit.</summary>
/// <param name="Name">The member name as written (escaped for C# where needed).</param>
/// <param name="Kind">Writer, reader or queue.</param>
/// <param name="MessageType">The message type, fully qualified with nullable annotations.</param>
/// <param name="Codec">The name of the generated codec class.</param>
/// <param name="QueueCapacity">The [Queue] capacity (queue lanes).</param>
/// <param name="QueueRedeliver">The [Queue] redelivery mode (queue lanes).</param>
internal sealed record LaneModel(string Name, LaneKind Kind, string MessageType, string Codec, int QueueCapacity, bool QueueRedeliver = false);
