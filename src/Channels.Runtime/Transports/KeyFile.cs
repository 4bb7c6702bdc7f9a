using System.Security.Cryptography;

namespace Channels.Transports;

/// <summary>The key file of a named endpoint: 32 random bytes, mode 0600, written by the listener and read by connectors.</summary>
internal static class KeyFile
{
    /// <summary>Size of a generated key.</summary>
    public const int KeySize = 32;

    private const int MaxKeySize = 1024;
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>A fresh random key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);

    /// <summary>Writes <paramref name="key"/> to <paramref name="path"/> atomically (write a private temporary file, then rename).</summary>
    public static void Write(string path, ReadOnlySpan<byte> key)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Channels endpoints use Unix domain sockets and Unix file modes.");
        string temporary = path + "." + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)) + ".tmp";
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = OwnerReadWrite,
        };
        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(key);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Reads the key of a named endpoint.</summary>
    /// <exception cref="AuthenticationFailedException">There is no readable key file, or it is open to others or of a bad size.</exception>
    public static byte[] Read(string path, string endpoint)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Channels endpoints use Unix domain sockets and Unix file modes.");
        try
        {
            UnixFileMode mode = File.GetUnixFileMode(path);
            if ((mode & ~OwnerReadWrite) != 0)
                throw new AuthenticationFailedException($"Key file '{path}' of endpoint '{endpoint}' has mode {Convert.ToString((int)mode, 8)}; it must be 600.");
            if (UnixNative.GetOwner(path) != UnixNative.EffectiveUserId)
                throw new AuthenticationFailedException($"Key file '{path}' of endpoint '{endpoint}' belongs to another user.");
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (stream.Length is 0 or > MaxKeySize)
                throw new AuthenticationFailedException($"Key file '{path}' of endpoint '{endpoint}' holds {stream.Length} bytes; expected 1 to {MaxKeySize}.");
            byte[] key = new byte[stream.Length];
            stream.ReadExactly(key);
            return key;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AuthenticationFailedException($"No key for endpoint '{endpoint}': cannot read key file '{path}' ({ex.Message}). Is the listener running as this user?", ex);
        }
    }
}
