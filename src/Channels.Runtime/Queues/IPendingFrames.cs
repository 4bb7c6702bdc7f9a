namespace Channels.Queues;

/// <summary>
/// Something that keeps counters to send (takes, TaskDones) and writes them as one frame each just before the
/// connection sends its next batch, instead of one frame per operation.
/// </summary>
internal interface IPendingFrames
{
    /// <summary>Writes the pending counters as frames; called by the send loop outside the connection's output lock.</summary>
    void WritePending();
}
