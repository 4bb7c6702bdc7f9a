namespace Channels.Transports;

/// <summary>
/// The per-user directory that holds named endpoints' socket and key files: <c>$XDG_RUNTIME_DIR/channels</c>,
/// else <c>/tmp/channels-&lt;uid&gt;</c>. Created with mode 0700; an existing one must belong to this user and have
/// mode 0700, because anyone who can enter it could connect to our sockets or read our keys.
/// </summary>
internal static class RuntimeDirectory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Returns the directory, creating and checking it.</summary>
    /// <exception cref="UnauthorizedAccessException">The directory belongs to another user or is open to others.</exception>
    public static string Ensure(ChannelOptions options)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Channels endpoints use Unix domain sockets and Unix file modes.");
        string path = options.RuntimeDirectory ?? DefaultPath();
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

    /// <summary>The directory used when <see cref="ChannelOptions.RuntimeDirectory"/> is not set.</summary>
    public static string DefaultPath()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) && Directory.Exists(xdg))
            return Path.Combine(xdg, "channels");
        return Path.Combine(Path.GetTempPath(), "channels-" + UnixNative.EffectiveUserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

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
