namespace Channels;

/// <summary>
/// The process at the other end of a link exited, crashed, was killed or stopped answering. Every pending and
/// later read and write of the link ends with this exception.
/// </summary>
public sealed class PeerLostException : ChannelsException
{
    /// <summary>Creates the exception.</summary>
    public PeerLostException(string message, int? exitCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    /// <summary>The peer process's exit code where it is known (a child started by <see cref="ChildProcess"/>);
    /// for a process ended by a signal, 128 plus the signal number.</summary>
    public int? ExitCode { get; }
}
