namespace Channels;

/// <summary>How <see cref="ChildProcess"/> starts and watches a child.</summary>
public sealed class ChildProcessOptions
{
    /// <summary>The options used when none are given.</summary>
    public static ChildProcessOptions Default { get; } = new();

    /// <summary>
    /// The program to start. Default: this program again (its apphost, or <c>dotnet</c> with this program's
    /// entry assembly), whose <c>Main</c> begins with <c>if (ChildProcess.IsChild) return await ChildProcess.RunAsync();</c>.
    /// </summary>
    public string? ExecutablePath { get; init; }

    /// <summary>Arguments for <see cref="ExecutablePath"/> (the endpoint, key and entry never travel here, only in the environment).</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Extra environment variables for the child.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Redirect the child's standard output instead of inheriting it; read it from <see cref="ChildProcess.StandardOutput"/>.</summary>
    public bool RedirectStandardOutput { get; init; }

    /// <summary>Redirect the child's standard error instead of inheriting it; read it from <see cref="ChildProcess.StandardError"/>.</summary>
    public bool RedirectStandardError { get; init; }

    /// <summary>How long <see cref="ChildProcess.DisposeAsync"/> waits for the child to exit after completing its link before killing it (default 5 s).</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When the parent process dies, the child's links end with <see cref="PeerLostException"/> and the entry's
    /// cancellation token is cancelled; unless this is set, the child then exits once its entry returns, or after
    /// <see cref="ShutdownGracePeriod"/> if it does not.
    /// </summary>
    public bool KeepRunningAfterParentExit { get; init; }

    /// <summary>Settings of the links handed to the child.</summary>
    public ChannelOptions? ChannelOptions { get; init; }
}
