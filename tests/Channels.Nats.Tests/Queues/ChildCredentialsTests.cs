using System.Security.Cryptography;
using System.Text;
using Channels.Nats.Peer;
using Channels.Nats.Tests.Infrastructure;
using NATS.Client.Core;

namespace Channels.Nats.Tests.Queues;

/// <summary>
/// A child started with <c>ChildProcess.StartAsync(board, …)</c> on a NATS board reaches an authenticating server
/// with only what its parent passed: the connection settings travel in the child's start data, as its key does.
/// </summary>
public sealed class ChildCredentialsTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Methods => ["user", "token"];

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task A_child_reaches_an_authenticating_server_with_the_parents_credentials(string method)
    {
        string secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        (NatsAuthOpts auth, string[] arguments) = method == "user"
            ? (NatsAuthOpts.Default with { Username = "chn", Password = secret }, (string[])["--user", "chn", "--pass", secret])
            : (NatsAuthOpts.Default with { Token = secret }, ["--auth", secret]);
        await using var server = await NatsServer.StartAsync(auth, arguments);
        string endpoint = $"{server.Url}/{TestKeys.NewName("child")}";

        // Without the credentials the server refuses: the child below gets in only with what the parent passes.
        await Assert.ThrowsAsync<IOException>(async () => await INatsBoard.OpenAsync(endpoint));

        var options = new ChannelOptions { Transport = new NatsTransportOptions { Connection = NatsOpts.Default with { AuthOpts = auth } } };
        await using var board = INatsBoard.Create(endpoint, options);
        await using ChildProcess child = await ChildProcess.StartAsync(board, ChildEntries.Double, new ChildProcessOptions
        {
            ExecutablePath = PeerProcess.DotNet,
            Arguments = [PeerProcess.PeerAssembly],
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });
        Assert.Equal("child opened", await child.StandardOutput!.ReadLineAsync().WaitAsync(s_wait));
        // The secret is not on the child's command line, which every user of the machine can read.
        string commandLine = await File.ReadAllTextAsync($"/proc/{child.Id}/cmdline");
        Assert.DoesNotContain(secret, commandLine);

        board.Items.Put(21, TimeSpan.FromSeconds(10));
        Assert.True(await child.WaitForExitAsync(new CancellationTokenSource(s_wait).Token) == 0, "child: " + await child.StandardError!.ReadToEndAsync());
        Assert.Equal(42, board.Items.Get(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void The_ticket_carries_the_server_authentication_and_TLS_settings()
    {
        var connection = NatsOpts.Default with
        {
            AuthOpts = NatsAuthOpts.Default with
            {
                Username = "u", Password = "p\u00e9", Token = "t", Jwt = "j", NKey = "nk", Seed = "s",
                CredsFile = "/etc/app.creds", NKeyFile = "/etc/app.nk",
            },
            TlsOpts = new NatsTlsOpts
            {
                Mode = TlsMode.Require, CaFile = "/ca.pem", CertFile = "/c.pem", KeyFile = "/k.pem", KeyFilePassword = "kp",
                CertBundleFile = "/b.pfx", CertBundleFilePassword = "bp", InsecureSkipVerify = true,
            },
        };
        byte[] ticket = NatsChildTicket.Write("nats://a:b@host:4222", connection);
        Assert.True(NatsChildTicket.IsTicket(ticket));
        (string url, NatsOpts read) = NatsChildTicket.Read(ticket);
        Assert.Equal("nats://a:b@host:4222", url);
        Assert.Equal(connection.AuthOpts, read.AuthOpts);
        Assert.Equal(connection.TlsOpts, read.TlsOpts);

        (_, NatsOpts plain) = NatsChildTicket.Read(NatsChildTicket.Write("nats://host:4222", NatsOpts.Default));
        Assert.Equal(NatsOpts.Default.AuthOpts, plain.AuthOpts);
        Assert.Equal(NatsOpts.Default.TlsOpts, plain.TlsOpts);
    }

    [Fact]
    public void Callbacks_cannot_travel_to_a_child()
    {
        var connection = NatsOpts.Default with { AuthOpts = NatsAuthOpts.Default with { AuthCredCallback = (_, _) => ValueTask.FromResult(NatsAuthCred.FromToken("t")) } };
        var error = Assert.Throws<InvalidOperationException>(() => NatsChildTicket.Write("nats://host:4222", connection));
        Assert.Contains("AuthCredCallback", error.Message);
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        byte[] good = NatsChildTicket.Write("nats://host:4222", NatsOpts.Default with { AuthOpts = NatsAuthOpts.Default with { Token = "secret" } });
        byte[] magic = good[..8];
        return new()
        {
            { "mark", Encoding.ASCII.GetBytes("NOTATICKET") },
            { "cut short", good[..(good.Length - 3)] },
            { "cut short", [.. magic, 1, 5] },
            { "unknown", [.. magic, 99, 0, 0] },
            { "UTF-8", [.. magic, 1, 2, 0, 0xC3, 0x28] },
            { "TLS mode", [.. magic, 1, 1, 0, (byte)'x', 10, 4, 0, .. "Nope"u8] },
            { "TLS mode", [.. magic, 1, 1, 0, (byte)'x', 10, 2, 0, .. "42"u8] },
            { "names no server", [.. magic, 4, 1, 0, (byte)'t'] },
            { "over", [.. magic, .. new byte[70_000]] },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_ticket_is_refused_clearly(string reason, byte[] ticket)
    {
        var error = Assert.Throws<ArgumentException>(() => NatsChildTicket.Read(ticket));
        Assert.Contains("malformed", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public async Task A_ticket_for_another_server_is_refused()
    {
        byte[] ticket = NatsChildTicket.Write("nats://127.0.0.1:1", NatsOpts.Default);
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await INatsBoard.OpenAsync("nats://127.0.0.1:2/board", new ChannelOptions { Key = ticket }));
        Assert.Contains("nats://127.0.0.1:1/board", error.Message);
    }
}
