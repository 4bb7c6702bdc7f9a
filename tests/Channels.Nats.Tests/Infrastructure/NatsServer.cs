using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Channels.Nats.Tests.Infrastructure;

/// <summary>
/// A real <c>nats-server -js</c> on a free loopback port with its own temporary store directory, started for a test
/// and killed (store deleted) on dispose, also when the test fails or the test host exits. A node of a
/// <see cref="NatsCluster"/> carries cluster arguments too.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private static readonly List<Process> s_running = [];
    private readonly string[] _extraArguments;
    private readonly NatsAuthOpts _auth;
    private readonly Queue<string> _log = new();
    private Process? _process;

    static NatsServer()
    {
        // The last line of defence: no server outlives the test host.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (s_running)
            {
                foreach (Process process in s_running)
                {
                    try { process.Kill(); } catch (InvalidOperationException) { }
                }
            }
        };
    }

    private NatsServer(string name, int port, string[] extraArguments, NatsAuthOpts? auth = null)
    {
        Name = name;
        Port = port;
        _extraArguments = extraArguments;
        _auth = auth ?? NatsAuthOpts.Default;
        StoreDirectory = Directory.CreateTempSubdirectory("chn-nats-").FullName;
    }

    /// <summary>The server's name (<c>-n</c>).</summary>
    public string Name { get; }

    /// <summary>The client port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The client URL.</summary>
    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>The JetStream store, deleted on dispose.</summary>
    public string StoreDirectory { get; }

    /// <summary>Whether the server process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a single server and waits until JetStream answers.</summary>
    public static Task<NatsServer> StartAsync() => StartAsync(NatsAuthOpts.Default);

    /// <summary>
    /// Starts a single server with <paramref name="arguments"/> (such as <c>--user</c>/<c>--pass</c> or <c>--auth</c>) and
    /// waits until JetStream answers a client that authenticates with <paramref name="auth"/>.
    /// </summary>
    public static async Task<NatsServer> StartAsync(NatsAuthOpts auth, params string[] arguments)
    {
        for (int attempt = 1; ; attempt++)
        {
            var server = new NatsServer("single", LoopbackPorts.Next(), arguments, auth);
            try
            {
                await server.RestartAsync();
                return server;
            }
            catch (NatsServerExitedException) when (attempt < StartAttempts)
            {
                // Its port was taken between the choice and the bind: another port.
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>How many times a server or cluster is started on fresh ports before its failure fails the test.</summary>
    internal const int StartAttempts = 3;

    internal static NatsServer Node(string name, int port, string[] clusterArguments) => new(name, port, clusterArguments);

    /// <summary>The path of <c>nats-server</c>; a clear failure when it is not installed.</summary>
    public static string Executable()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = Path.Combine(directory, "nats-server");
            if (directory.Length > 0 && File.Exists(candidate))
                return candidate;
        }
        foreach (string candidate in new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server" })
        {
            if (File.Exists(candidate))
                return candidate;
        }
        throw new InvalidOperationException("nats-server is not installed, so the NATS tests cannot run: install the Debian package (apt-get install -y nats-server), as .ci/run does.");
    }

    /// <summary>Starts the process (again, on the same port and store) without waiting for it.</summary>
    public void Launch()
    {
        if (IsRunning)
            throw new InvalidOperationException($"nats-server '{Name}' on port {Port} is running already.");
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["-js", "-a", "127.0.0.1", "-p", Port.ToString(), "-sd", StoreDirectory, "-n", Name, .. _extraArguments])
            start.ArgumentList.Add(argument);
        Process process = Process.Start(start) ?? throw new InvalidOperationException("nats-server did not start.");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += (_, line) => Remember(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (s_running)
            s_running.Add(process);
        _process = process;
    }

    /// <summary>Starts the process and waits until JetStream answers on it.</summary>
    public async Task RestartAsync()
    {
        Launch();
        await WaitReadyAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits until JetStream answers (in a cluster: once a meta leader is elected).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (_process is { HasExited: true } exited)
            {
                exited.WaitForExit(); // the last lines of its log
                throw new NatsServerExitedException($"nats-server '{Name}' on port {Port} exited with code {exited.ExitCode} while starting. Its last lines:{Environment.NewLine}{LastLines()}");
            }
            try
            {
                await using var connection = new NatsConnection(NatsOpts.Default with { Url = Url, ConnectTimeout = TimeSpan.FromSeconds(1), AuthOpts = _auth });
                await connection.ConnectAsync();
                await new NatsJSContext(connection).GetAccountInfoAsync(new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token);
                return;
            }
            catch (Exception ex)
            {
                last = ex;
                await Task.Delay(100);
            }
        }
        throw new TimeoutException($"nats-server '{Name}' on port {Port} was not ready within {timeout.TotalSeconds} s.", last);
    }

    private void Remember(string? line)
    {
        if (line is null)
            return;
        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > 20)
                _log.Dequeue();
        }
    }

    private string LastLines()
    {
        lock (_log)
            return string.Join(Environment.NewLine, _log);
    }

    /// <summary>SIGKILLs the server (its store stays, for a restart).</summary>
    public void Kill()
    {
        if (_process is not { } process)
            return;
        try
        {
            process.Kill();
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Exited already.
        }
        lock (s_running)
            s_running.Remove(process);
        process.Dispose();
        _process = null;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            Directory.Delete(StoreDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Gone already.
        }
        return ValueTask.CompletedTask;
    }
}
