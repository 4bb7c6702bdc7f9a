namespace Channels;

/// <summary>
/// An exception that happened in another process, carried as text: the remote type name, message and, where
/// the other side sent it, the stack trace. It is the inner exception of the
/// <see cref="System.Threading.Channels.ChannelClosedException"/> that a reader sees when the remote writer
/// completes with an error.
/// </summary>
public sealed class RemoteException : ChannelsException
{
    /// <summary>Creates the exception.</summary>
    public RemoteException(string remoteType, string remoteMessage, string? remoteStackTrace = null)
        : base($"{remoteType}: {remoteMessage}")
    {
        RemoteType = remoteType;
        RemoteMessage = remoteMessage;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>The full name of the remote exception's type.</summary>
    public string RemoteType { get; }

    /// <summary>The remote exception's message.</summary>
    public string RemoteMessage { get; }

    /// <summary>The remote stack trace as text, where it was sent.</summary>
    public string? RemoteStackTrace { get; }

    /// <inheritdoc/>
    public override string? StackTrace => RemoteStackTrace ?? base.StackTrace;
}
