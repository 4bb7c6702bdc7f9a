namespace Channels.Transports;

/// <summary>
/// The per-user directory that holds named endpoints' socket and key files: <see cref="ChannelOptions.RuntimeDirectory"/>,
/// else <c>$XDG_RUNTIME_DIR/channels</c>, else <c>/tmp/channels-&lt;uid&gt;</c>. Created with mode 0700; an existing
/// one must belong to this user and have mode 0700, because anyone who can enter it could connect to our sockets or
/// read our keys. A configured or XDG directory that fails the check is refused. The shared <c>/tmp</c> name can be
/// taken by another user before us; then this process uses a private directory of its own instead
/// (<c>/tmp/channels-&lt;uid&gt;-XXXXXX</c>, mode 0700, the same for all its endpoints): its children still find
/// their pipes, and unrelated processes that want to meet this one need a common runtime directory.
/// </summary>
internal static class RuntimeDirectory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static readonly Lock s_fallbackLock = new();
    private static string? s_fallback;

    /// <summary>Returns the directory, creating and checking it.</summary>
    /// <exception cref="UnauthorizedAccessException">The configured or XDG directory belongs to another user or is open to others.</exception>
    public static string Ensure(ChannelOptions options)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Channels endpoints use Unix domain sockets and Unix file modes.");
        if (options.RuntimeDirectory is { } configured)
            return EnsureStrict(configured);
        string? xdg = XdgDirectory();
        return xdg is not null ? EnsureStrict(xdg) : EnsureShared(Path.GetTempPath());
    }

    /// <summary>The directory used when <see cref="ChannelOptions.RuntimeDirectory"/> is not set (before any fallback).</summary>
    public static string DefaultPath() => XdgDirectory() ?? SharedPath(Path.GetTempPath());

    /// <summary>
    /// <c>&lt;temp&gt;/channels-&lt;uid&gt;</c> when it is (or can be made) ours and private, else this process's private
    /// fallback under <paramref name="temp"/>.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    internal static string EnsureShared(string temp)
    {
        string shared = SharedPath(temp);
        try
        {
            return EnsureStrict(shared);
        }
        catch (UnauthorizedAccessException)
        {
            // Taken by another user, or opened up: never use it, never fail for it.
        }
        lock (s_fallbackLock)
        {
            if (s_fallback is null || !Directory.Exists(s_fallback) || !Path.GetDirectoryName(s_fallback)!.Equals(Path.TrimEndingDirectorySeparator(temp), StringComparison.Ordinal))
            {
                // mkdtemp: a fresh random name, created with mode 0700 by this call, so nobody else can have made it.
                string created = UnixNative.CreatePrivateDirectory(shared + "-");
                Verify(created);
                s_fallback = created;
            }
            return s_fallback;
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string EnsureStrict(string path)
    {
        if (!Directory.Exists(path))
        {
            try
            {
                Directory.CreateDirectory(path, OwnerOnly);
            }
            catch (IOException) when (Directory.Exists(path))
            {
                // Another process created it at the same moment; it is checked below like any existing one.
            }
        }
        Verify(path);
        return path;
    }

    private static string? XdgDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) && Directory.Exists(xdg) ? Path.Combine(xdg, "channels") : null;
    }

    private static string SharedPath(string temp)
        => Path.Combine(temp, "channels-" + UnixNative.EffectiveUserId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static void Verify(string path)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Channels endpoints use Unix domain sockets and Unix file modes.");
        var info = new DirectoryInfo(path);
        if (info.LinkTarget is not null)
            throw new UnauthorizedAccessException($"Runtime directory '{path}' is a symbolic link; refusing to use it.");
        uint owner = UnixNative.GetOwner(path);
        uint me = UnixNative.EffectiveUserId;
        if (owner != me)
            throw new UnauthorizedAccessException($"Runtime directory '{path}' belongs to user {owner}, not to this user ({me}); refusing to use it.");
        UnixFileMode mode = File.GetUnixFileMode(path);
        if (mode != OwnerOnly)
            throw new UnauthorizedAccessException($"Runtime directory '{path}' has mode {Convert.ToString((int)mode, 8)}; it must be 700 (owner only). Fix it with 'chmod 700 {path}'.");
    }
}
