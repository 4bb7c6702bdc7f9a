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
}
