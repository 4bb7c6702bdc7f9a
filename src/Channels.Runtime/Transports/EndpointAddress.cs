namespace Channels.Transports;

/// <summary>
/// A resolved endpoint: <c>"name"</c> becomes <c>&lt;runtime dir&gt;/name.sock</c> with key file <c>name.key</c>;
/// <c>"unix:/abs/path.sock"</c> is used as given, with the key from <see cref="ChannelOptions.Key"/>.
/// </summary>
/// <param name="SocketPath">The socket file.</param>
/// <param name="KeyPath">The key file of a named endpoint; <see langword="null"/> for an explicit path.</param>
/// <param name="Display">The endpoint as the user wrote it, for messages.</param>
internal sealed record EndpointAddress(string SocketPath, string? KeyPath, string Display)
{
    /// <summary>The prefix of explicit socket paths.</summary>
    public const string UnixPrefix = "unix:";

    /// <summary>Longest endpoint name.</summary>
    public const int MaxNameLength = 64;

    // sockaddr_un.sun_path holds 108 bytes including the terminating zero.
    private const int MaxSocketPathBytes = 107;

    /// <summary>The endpoint as a <c>unix:</c> string.</summary>
    public string Uri => UnixPrefix + SocketPath;

    /// <summary>Parses and resolves <paramref name="endpoint"/>; creates the runtime directory for a name.</summary>
    /// <exception cref="ArgumentException">The endpoint is not a valid name or absolute <c>unix:</c> path.</exception>
    public static EndpointAddress Resolve(string endpoint, ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            string path = endpoint.Substring(UnixPrefix.Length);
            if (!Path.IsPathFullyQualified(path) || path.EndsWith('/'))
                throw new ArgumentException($"Endpoint '{endpoint}' must name an absolute socket file path after 'unix:'.", nameof(endpoint));
            CheckPathLength(path, endpoint);
            return new EndpointAddress(path, null, endpoint);
        }
        ValidateName(endpoint);
        string directory = RuntimeDirectory.Ensure(options);
        string socket = Path.Combine(directory, endpoint + ".sock");
        CheckPathLength(socket, endpoint);
        return new EndpointAddress(socket, Path.Combine(directory, endpoint + ".key"), endpoint);
    }

    /// <summary>Checks that <paramref name="name"/> is a plain endpoint name: letters, digits, '.', '-', '_', not starting with '.'.</summary>
    public static void ValidateName(string name)
    {
        if (name.Length == 0 || name.Length > MaxNameLength)
            throw new ArgumentException($"Endpoint name '{name}' must be 1 to {MaxNameLength} characters long (or an absolute 'unix:' path).", nameof(name));
        if (name[0] == '.' || name.Contains("..", StringComparison.Ordinal))
            throw new ArgumentException($"Endpoint name '{name}' must not start with '.' or contain '..'.", nameof(name));
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
                throw new ArgumentException($"Endpoint name '{name}' contains '{c}'; names use letters, digits, '.', '-' and '_' (use 'unix:/path' for a socket elsewhere).", nameof(name));
        }
    }

    private static void CheckPathLength(string path, string endpoint)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(path) > MaxSocketPathBytes)
            throw new ArgumentException($"Endpoint '{endpoint}' resolves to socket path '{path}', longer than the {MaxSocketPathBytes} bytes a Unix socket address holds.", nameof(endpoint));
    }
}
