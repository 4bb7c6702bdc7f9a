namespace Channels;

/// <summary>Configures a <see cref="ProcessQueue{T}"/> lane of a queue contract.</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class QueueAttribute : Attribute
{
    /// <summary>
    /// The most items the queue holds across all processes together (Python's <c>maxsize</c>).
    /// Zero means unbounded. Must not be negative.
    /// </summary>
    public int Capacity { get; set; }

    /// <summary>
    /// Whether an item got and not yet settled with <see cref="ProcessQueue{T}.TaskDone"/> is delivered again when
    /// the process that got it ends first (exits, crashes, is killed or stops answering). Off by default, as in
    /// Python, where an item got is gone. Part of the contract's fingerprint: every process must agree.
    /// </summary>
    public bool Redeliver { get; set; }
}
