namespace Channels.Lanes;

/// <summary>
/// An object that stands for the calling thread, for owner checks on a hot path: reading it is a managed thread-static
/// access, where <see cref="Environment.CurrentManagedThreadId"/> is a call into the runtime.
/// </summary>
internal static class ThreadToken
{
    [ThreadStatic]
    private static object? t_current;

    /// <summary>The calling thread's token (the same object for the thread's lifetime).</summary>
    public static object Current => t_current ?? Create();

    private static object Create() => t_current = new object();
}
