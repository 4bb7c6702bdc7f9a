using System.Buffers;

namespace Channels.Queues;

/// <summary>The untyped face of a client's queue lane: the client session routes host frames here by lane number.</summary>
internal interface IClientLane
{
    /// <summary>Applies one host frame. Throws <see cref="ProtocolException"/> when the host breaks the protocol.</summary>
    void OnFrame(QueueFrameKind kind, in ReadOnlySequence<byte> payload);

    /// <summary>The connection to the host is gone: every operation fails with <paramref name="error"/> from now on.</summary>
    void Fault(Exception error);

    /// <summary>Called periodically: gives back room reserved for puts that did not come.</summary>
    void OnTick();
}
