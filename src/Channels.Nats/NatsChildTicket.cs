using System.Buffers.Binary;
using System.Text;
using NATS.Client.Core;

namespace Channels.Nats;

/// <summary>
/// What a child started with <c>ChildProcess.StartAsync(board, …)</c> over a <c>nats://</c> endpoint needs to reach the
/// server as its parent does: the server URL (credentials in it included) and the parent's authentication and TLS
/// settings. It travels as the child's key, the secret of the child's start data (which only the child's user can
/// read, never on its command line), and the child's transport reads it in place of options it was not given.
/// </summary>
/// <remarks>
/// Files named (creds, NKey, TLS certificates) travel as paths: the child runs as the same user and reads them
/// itself. Callbacks (<see cref="NatsAuthOpts.AuthCredCallback"/>, <see cref="NatsTlsOpts.ConfigureClientAuthentication"/>)
/// cannot travel: a parent that uses them cannot hand the endpoint to a child.
/// Layout: <c>"CHNNATS"</c>, version 1, then fields of a tag byte, a 16-bit little-endian length and UTF-8 text.
/// </remarks>
internal static class NatsChildTicket
{
    private static ReadOnlySpan<byte> Magic => "CHNNATS\u0001"u8;
    private const int MaxLength = 64 * 1024;

    private enum Field : byte
    {
        ServerUrl = 1,
        Username,
        Password,
        Token,
        Jwt,
        NKey,
        Seed,
        CredsFile,
        NKeyFile,
        TlsMode,
        CaFile,
        CertFile,
        KeyFile,
        KeyFilePassword,
        CertBundleFile,
        CertBundleFilePassword,
        InsecureSkipVerify,
    }

    /// <summary>The settings a ticket carries besides the server, each as text.</summary>
    private static readonly (Field Field, Func<NatsOpts, string?> Value)[] s_settings =
    [
        (Field.Username, static o => o.AuthOpts.Username),
        (Field.Password, static o => o.AuthOpts.Password),
        (Field.Token, static o => o.AuthOpts.Token),
        (Field.Jwt, static o => o.AuthOpts.Jwt),
        (Field.NKey, static o => o.AuthOpts.NKey),
        (Field.Seed, static o => o.AuthOpts.Seed),
        (Field.CredsFile, static o => o.AuthOpts.CredsFile),
        (Field.NKeyFile, static o => o.AuthOpts.NKeyFile),
        (Field.TlsMode, static o => o.TlsOpts.Mode.ToString()),
        (Field.CaFile, static o => o.TlsOpts.CaFile),
        (Field.CertFile, static o => o.TlsOpts.CertFile),
        (Field.KeyFile, static o => o.TlsOpts.KeyFile),
        (Field.KeyFilePassword, static o => o.TlsOpts.KeyFilePassword),
        (Field.CertBundleFile, static o => o.TlsOpts.CertBundleFile),
        (Field.CertBundleFilePassword, static o => o.TlsOpts.CertBundleFilePassword),
        (Field.InsecureSkipVerify, static o => o.TlsOpts.InsecureSkipVerify ? "1" : null),
    ];

    /// <summary>Whether <paramref name="key"/> is a ticket (and not a link key).</summary>
    public static bool IsTicket(ReadOnlySpan<byte> key) => key.StartsWith(Magic);

    /// <summary>The ticket of a connection to <paramref name="serverUrl"/> with <paramref name="connection"/>'s authentication and TLS.</summary>
    /// <exception cref="InvalidOperationException">The options use callbacks, which cannot travel to another process.</exception>
    public static byte[] Write(string serverUrl, NatsOpts connection)
    {
        if (connection.AuthOpts.AuthCredCallback is not null || connection.TlsOpts.ConfigureClientAuthentication is not null)
            throw new InvalidOperationException(
                "A nats:// endpoint whose NatsOpts use a callback (AuthOpts.AuthCredCallback or TlsOpts.ConfigureClientAuthentication) cannot be handed to a child: a callback cannot travel to another process. Give the credentials as values or file paths.");
        using var buffer = new MemoryStream();
        buffer.Write(Magic);
        Add(buffer, Field.ServerUrl, serverUrl);
        foreach ((Field field, Func<NatsOpts, string?> value) in s_settings)
            Add(buffer, field, value(connection));
        if (buffer.Length > MaxLength)
            throw new InvalidOperationException($"The NATS connection settings to hand to a child take {buffer.Length} bytes, over the {MaxLength} bytes allowed.");
        return buffer.ToArray();
    }

    /// <summary>Reads a ticket: the server URL and the connection options (defaults but for what the ticket carries).</summary>
    /// <exception cref="ArgumentException">It is not a well-formed ticket.</exception>
    public static (string ServerUrl, NatsOpts Connection) Read(ReadOnlySpan<byte> ticket)
    {
        if (!IsTicket(ticket))
            throw Malformed("it does not start with the ticket's mark");
        if (ticket.Length > MaxLength)
            throw Malformed($"it is {ticket.Length} bytes long, over {MaxLength}");
        string? url = null;
        NatsAuthOpts auth = NatsAuthOpts.Default;
        NatsTlsOpts tls = new();
        ReadOnlySpan<byte> rest = ticket[Magic.Length..];
        while (!rest.IsEmpty)
        {
            if (rest.Length < 3)
                throw Malformed("a field is cut short");
            var field = (Field)rest[0];
            int length = BinaryPrimitives.ReadUInt16LittleEndian(rest[1..]);
            if (rest.Length < 3 + length)
                throw Malformed($"field {rest[0]} is cut short ({length} bytes claimed, {rest.Length - 3} remain)");
            string value;
            try
            {
                value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(rest.Slice(3, length));
            }
            catch (DecoderFallbackException)
            {
                throw Malformed($"field {rest[0]} is not UTF-8");
            }
            rest = rest[(3 + length)..];
            switch (field)
            {
                case Field.ServerUrl: url = value; break;
                case Field.Username: auth = auth with { Username = value }; break;
                case Field.Password: auth = auth with { Password = value }; break;
                case Field.Token: auth = auth with { Token = value }; break;
                case Field.Jwt: auth = auth with { Jwt = value }; break;
                case Field.NKey: auth = auth with { NKey = value }; break;
                case Field.Seed: auth = auth with { Seed = value }; break;
                case Field.CredsFile: auth = auth with { CredsFile = value }; break;
                case Field.NKeyFile: auth = auth with { NKeyFile = value }; break;
                case Field.TlsMode:
                    tls = tls with { Mode = Enum.TryParse(value, ignoreCase: false, out TlsMode mode) && Enum.IsDefined(mode) ? mode : throw Malformed($"TLS mode '{value}' is unknown") };
                    break;
                case Field.CaFile: tls = tls with { CaFile = value }; break;
                case Field.CertFile: tls = tls with { CertFile = value }; break;
                case Field.KeyFile: tls = tls with { KeyFile = value }; break;
                case Field.KeyFilePassword: tls = tls with { KeyFilePassword = value }; break;
                case Field.CertBundleFile: tls = tls with { CertBundleFile = value }; break;
                case Field.CertBundleFilePassword: tls = tls with { CertBundleFilePassword = value }; break;
                case Field.InsecureSkipVerify: tls = tls with { InsecureSkipVerify = value == "1" }; break;
                default: throw Malformed($"field {(byte)field} is unknown");
            }
        }
        if (url is null)
            throw Malformed("it names no server");
        return (url, NatsOpts.Default with { AuthOpts = auth, TlsOpts = tls });
    }

    private static void Add(MemoryStream buffer, Field field, string? value)
    {
        if (value is null)
            return;
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > ushort.MaxValue)
            throw new InvalidOperationException($"The NATS connection setting {field} is {bytes.Length} bytes long, over the {ushort.MaxValue} bytes a child's start data carries.");
        Span<byte> header = stackalloc byte[3];
        header[0] = (byte)field;
        BinaryPrimitives.WriteUInt16LittleEndian(header[1..], (ushort)bytes.Length);
        buffer.Write(header);
        buffer.Write(bytes);
    }

    private static ArgumentException Malformed(string why) => new($"The NATS connection settings handed to this child are malformed: {why}.", "key");
}
