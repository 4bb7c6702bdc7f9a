namespace Channels.Lanes;

/// <summary>
/// An object that stands for the calling thread, compared by reference where a raw lane's writer checks that it owns
/// the lane's stage (one thread-static read; <see cref="Environment.CurrentManagedThreadId"/> measured no cheaper).
/// </summary>
internal static class ThreadToken
{
    [ThreadStatic]
    private static object? t_current;

    /// <summary>The calling thread's token (the same object for the thread's lifetime).</summary>
    public static object Current => t_current ?? Create();

    private static object Create() => t_current = new object();
}
