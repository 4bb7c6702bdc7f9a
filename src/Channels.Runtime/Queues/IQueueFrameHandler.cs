using System.Buffers;

namespace Channels.Queues;

/// <summary>Receives the frames of a <see cref="QueueConnection"/>, on its receive loop, one at a time.</summary>
internal interface IQueueFrameHandler
{
    /// <summary>Handles one frame; throwing <see cref="ProtocolException"/> ends the connection.</summary>
    void OnFrame(QueueConnection connection, int lane, QueueFrameKind kind, in ReadOnlySequence<byte> payload);

    /// <summary>The connection ended: <paramref name="error"/> is null for an orderly close by either side.</summary>
    void OnClosed(QueueConnection connection, Exception? error);
}
