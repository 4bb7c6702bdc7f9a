namespace Channels.Benchmarks.SideBySide;

/// <summary>The parent's side of the control path to the receiving end (a child process, or a task in this process).</summary>
public interface IPeerControl : IAsyncDisposable
{
    /// <summary>Whether the receiving end runs in another process, so that allocations are counted per side.</summary>
    bool IsSeparateProcess { get; }

    /// <summary>Stops the receiving end at once (kills a child process), so that a stalled sender fails instead of hanging.</summary>
    void Abort();

    /// <summary>Sends one command line.</summary>
    ValueTask SendAsync(string line);

    /// <summary>Waits for the next reply line.</summary>
    /// <exception cref="TimeoutException">No reply within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The receiving end ended or reported an error.</exception>
    ValueTask<string> ReadReplyAsync(TimeSpan timeout);
}
