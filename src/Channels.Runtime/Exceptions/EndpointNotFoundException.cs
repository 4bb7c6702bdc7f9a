using Channels.Transports;

namespace Channels;

/// <summary>
/// Nobody listens at the endpoint: no listener or queue was ever created under that name in the directory looked
/// in, or the process that created it has gone (its socket file is stale and refuses connections).
/// </summary>
public sealed class EndpointNotFoundException : ChannelsException
{
    /// <summary>Creates the exception.</summary>
    public EndpointNotFoundException(string endpoint, string directory, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Endpoint = endpoint;
        Directory = directory;
    }

    /// <summary>The endpoint as the caller named it.</summary>
    public string Endpoint { get; }

    /// <summary>The directory where its socket file was looked for.</summary>
    public string Directory { get; }

    internal static EndpointNotFoundException NoListener(EndpointAddress address)
        => new(address.Display, DirectoryOf(address),
            $"No endpoint '{address.Display}': nothing listens at '{address.SocketPath}' (looked in directory '{DirectoryOf(address)}'). Start its listener or queue first, as the same user and with the same runtime directory.");

    internal static EndpointNotFoundException Stale(EndpointAddress address, Exception inner)
        => new(address.Display, DirectoryOf(address),
            $"Endpoint '{address.Display}' is gone: its socket '{address.SocketPath}' (in directory '{DirectoryOf(address)}') refuses connections, so the process that listened there has exited.", inner);

    private static string DirectoryOf(EndpointAddress address) => Path.GetDirectoryName(address.SocketPath) ?? "/";
}
