using System.Buffers;

namespace Channels.Queues;

/// <summary>The untyped face of a hosted queue lane: the host session routes client frames here by lane number.</summary>
internal interface IHostedLane
{
    /// <summary>Applies one client frame. Throws <see cref="ProtocolException"/> when the client breaks the protocol.</summary>
    void OnFrame(QueueConnection client, QueueFrameKind kind, in ReadOnlySequence<byte> payload);

    /// <summary>The client is gone: its unfinished items are delivered again and its reserved room is released.</summary>
    void OnDisconnect(QueueConnection client);

    /// <summary>The host session ends: every waiter in this process fails with <paramref name="error"/>.</summary>
    void Shutdown(Exception error);
}
