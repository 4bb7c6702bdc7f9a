namespace Channels.Transports;

/// <summary>
/// The one place that decides which key an endpoint uses, for links, pipes handed to children and queues alike.
/// The rule:
/// <list type="bullet">
/// <item><see cref="ChannelOptions.Key"/> set and non-empty: that key, on both sides, for any endpoint;</item>
/// <item><see cref="ChannelOptions.Key"/> set but empty: refused with <see cref="ArgumentException"/> (an empty key
/// would authenticate nothing, and silently falling back to the key file would hide the mistake);</item>
/// <item>no key, named endpoint: the listener creates a fresh random key and writes it to the key file next to the
/// socket (mode 0600); a connector reads that file;</item>
/// <item>no key, explicit <c>unix:</c> path: refused (such an endpoint has no key file);</item>
/// <item>a remote endpoint (<c>nats://</c>): only <see cref="ChannelOptions.Key"/>, on both ends (no key file reaches another machine).</item>
/// </list>
/// </summary>
internal static class KeyResolver
{
    /// <summary>The key a listener (or queue host) at <paramref name="address"/> uses, and whether it must write it to the key file.</summary>
    /// <exception cref="ArgumentException">The options' key is empty, or an explicit path has no key.</exception>
    public static (byte[] Key, bool WritesKeyFile) ForListener(EndpointAddress address, ChannelOptions options)
    {
        if (Given(options, address) is { } given)
            return (given, false);
        if (address.KeyPath is null)
            throw new ArgumentException($"Endpoint '{address.Display}' is an explicit socket path, which has no key file; listening there needs a key in ChannelOptions.Key.", nameof(options));
        return (KeyFile.NewKey(), true);
    }

    /// <summary>The key a connector to <paramref name="address"/> uses.</summary>
    /// <exception cref="ArgumentException">The options' key is empty.</exception>
    /// <exception cref="AuthenticationFailedException">An explicit path without a key, or a key file that is not safe to use.</exception>
    /// <exception cref="EndpointNotFoundException">A named endpoint has no key file: nobody listens there.</exception>
    public static byte[] ForConnector(EndpointAddress address, ChannelOptions options)
    {
        if (Given(options, address) is { } given)
            return given;
        if (address.KeyPath is null)
            throw new AuthenticationFailedException($"Endpoint '{address.Display}' is an explicit socket path, which has no key file; connecting needs the listener's key in ChannelOptions.Key.");
        if (!File.Exists(address.KeyPath) && !File.Exists(address.SocketPath))
            throw EndpointNotFoundException.NoListener(address);
        return KeyFile.Read(address.KeyPath, address.Display);
    }

    /// <summary>The key of a remote endpoint, for either end.</summary>
    /// <exception cref="ArgumentException">The options' key is empty.</exception>
    /// <exception cref="AuthenticationFailedException">No key is given.</exception>
    public static byte[] ForRemote(string endpoint, ChannelOptions options)
        => Given(options, endpoint)
           ?? throw new AuthenticationFailedException($"Endpoint '{endpoint}' is remote; both ends need the same key in ChannelOptions.Key.");

    private static byte[]? Given(ChannelOptions options, EndpointAddress address) => Given(options, address.Display);

    private static byte[]? Given(ChannelOptions options, string endpoint)
    {
        if (options.Key is not { } key)
            return null;
        if (key.Length == 0)
            throw new ArgumentException($"ChannelOptions.Key for endpoint '{endpoint}' is empty; give a non-empty key, or leave it null to use the named endpoint's key file.", nameof(options));
        return key.ToArray();
    }
}
