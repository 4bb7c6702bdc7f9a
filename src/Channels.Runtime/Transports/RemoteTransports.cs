using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Channels.Transports;

/// <summary>
/// The remote transports by endpoint scheme. A transport package registers itself from its module initializer;
/// the runtime loads a known package the first time its scheme is used, so user code needs no registration call:
/// only the endpoint string changes.
/// </summary>
internal static class RemoteTransports
{
    private static readonly ConcurrentDictionary<string, IRemoteTransport> s_byScheme = new(StringComparer.OrdinalIgnoreCase);

    // Schemes whose package the runtime knows how to load by name.
    private static readonly (string Scheme, string Assembly)[] s_known = [("nats", "Channels.Nats")];

    /// <summary>Registers <paramref name="transport"/> for endpoints <c>"<paramref name="scheme"/>://..."</c>.</summary>
    public static void Register(string scheme, IRemoteTransport transport) => s_byScheme[scheme] = transport;

    /// <summary>
    /// The transport of <paramref name="endpoint"/> when it has a <c>scheme://</c> prefix; false for local
    /// endpoints (a name or a <c>unix:</c> path).
    /// </summary>
    /// <exception cref="ArgumentException">The scheme is unknown, or its package is not installed.</exception>
    public static bool TryResolve(string endpoint, [NotNullWhen(true)] out IRemoteTransport? transport)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        int end = endpoint.IndexOf("://", StringComparison.Ordinal);
        if (end <= 0)
        {
            transport = null;
            return false;
        }
        string scheme = endpoint.Substring(0, end);
        if (s_byScheme.TryGetValue(scheme, out transport))
            return true;
        foreach ((string known, string assembly) in s_known)
        {
            if (string.Equals(known, scheme, StringComparison.OrdinalIgnoreCase))
            {
                Load(assembly, endpoint);
                if (s_byScheme.TryGetValue(scheme, out transport))
                    return true;
                throw new ArgumentException($"Endpoint '{endpoint}': package {assembly} is loaded but did not register scheme '{scheme}'.", nameof(endpoint));
            }
        }
        throw new ArgumentException($"Endpoint '{endpoint}' has scheme '{scheme}', which no transport serves (known: nats://, or a plain name, or unix:/path).", nameof(endpoint));
    }

    /// <summary>The transport a remote transport puts in place of <paramref name="socket"/> after its handshake, if any.</summary>
    public static ILinkTransport? TakeOverLink(Socket socket)
    {
        foreach (IRemoteTransport transport in s_byScheme.Values)
        {
            if (transport.TakeOverLink(socket) is { } taken)
                return taken;
        }
        return null;
    }

    private static void Load(string assemblyName, string endpoint)
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(assemblyName));
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new ArgumentException($"Endpoint '{endpoint}' needs the {assemblyName} package; add a reference to it.", nameof(endpoint), ex);
        }
        // Its module initializer registers the transport.
        RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
    }
}
