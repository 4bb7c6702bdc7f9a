using Channels.Transports;

namespace Channels.Nats;

/// <summary>
/// A parsed <c>nats://[user:password@]host[:port]/name</c> endpoint: the server to connect to and the name that
/// the link's or queue's subjects are made from.
/// </summary>
/// <param name="ServerUrl">The server, as NATS.Net takes it (<c>nats://host:port</c>, credentials included).</param>
/// <param name="Name">The endpoint name: letters, digits, '-' and '_'.</param>
/// <param name="Display">The endpoint without credentials, for messages.</param>
internal sealed record NatsEndpoint(string ServerUrl, string Name, string Display)
{
    /// <summary>The scheme served.</summary>
    public const string Scheme = "nats";

    private const int DefaultPort = 4222;

    /// <summary>Parses <paramref name="endpoint"/>.</summary>
    /// <exception cref="ArgumentException">It is not a <c>nats://host[:port]/name</c> endpoint.</exception>
    public static NatsEndpoint Parse(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) || !string.Equals(uri.Scheme, Scheme, StringComparison.OrdinalIgnoreCase) || uri.Host.Length == 0)
            throw new ArgumentException($"Endpoint '{Redact(endpoint)}' is not of the form nats://host[:port]/name.", nameof(endpoint));
        string name = uri.AbsolutePath.Trim('/');
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw new ArgumentException($"Endpoint '{Redact(endpoint)}' must not have a query or fragment; it is nats://host[:port]/name.", nameof(endpoint));
        EndpointAddress.ValidateName(name);
        // '.' separates NATS subject tokens: a name with dots would reach into other endpoints' subjects.
        if (name.Contains('.', StringComparison.Ordinal))
            throw new ArgumentException($"Endpoint '{Redact(endpoint)}': the name '{name}' must not contain '.' over NATS (use '-' or '_').", nameof(endpoint));
        int port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port;
        string userInfo = uri.UserInfo.Length > 0 ? uri.UserInfo + "@" : "";
        string host = uri.HostNameType == UriHostNameType.IPv6 ? "[" + uri.DnsSafeHost + "]" : uri.Host;
        return new NatsEndpoint($"nats://{userInfo}{host}:{port}", name, $"nats://{host}:{port}/{name}");
    }

    /// <summary>The endpoint with any password replaced, for messages.</summary>
    private static string Redact(string endpoint)
    {
        int at = endpoint.IndexOf('@', StringComparison.Ordinal);
        int start = endpoint.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && start > 0 && at > start ? endpoint.Substring(0, start + 3) + "***" + endpoint.Substring(at) : endpoint;
    }
}
