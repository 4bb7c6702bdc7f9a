namespace Channels;

/// <summary>The base of every exception that Channels defines.</summary>
public class ChannelsException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public ChannelsException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public ChannelsException(string message, Exception? innerException) : base(message, innerException) { }
}
