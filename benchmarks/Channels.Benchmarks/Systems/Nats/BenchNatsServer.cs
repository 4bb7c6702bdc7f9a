using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Channels.Benchmarks.Systems.Nats;

/// <summary>
/// The runner's own <c>nats-server -js</c> on a free loopback port with a temporary store, for the NATS rows. Its URL
/// travels to every child process in <see cref="UrlVariable"/> (set in this process's environment, which children
/// inherit). Disposing kills it and deletes the store, also after a failed run.
/// </summary>
public sealed class BenchNatsServer : IAsyncDisposable
{
    /// <summary>The environment variable with the server's URL (<c>nats://127.0.0.1:PORT</c>).</summary>
    public const string UrlVariable = "CHANNELS_BENCH_NATS_URL";

    private static readonly string[] KnownPaths = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"];
    private static string s_unavailable = "unavailable: no nats-server was started (not selected)";
    private readonly Process _process;
    private readonly string _store;

    private BenchNatsServer(Process process, string store, string url)
    {
        _process = process;
        _store = store;
        Url = url;
    }

    /// <summary>The client URL.</summary>
    public string Url { get; }

    /// <summary>The server's URL in this process or a child of the runner, or <see langword="null"/> when none runs.</summary>
    public static string? CurrentUrl => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } url ? url : null;

    /// <summary>Why the NATS systems cannot run (<see langword="null"/> when a server runs).</summary>
    public static string? Unavailable => CurrentUrl is null ? s_unavailable : null;

    /// <summary>The endpoint <c>nats://127.0.0.1:PORT/name</c> of <paramref name="name"/> on the current server.</summary>
    public static string Endpoint(string name) => (CurrentUrl ?? throw new InvalidOperationException(s_unavailable)) + "/" + name;

    /// <summary>A NATS.Net connection to the current server, connected.</summary>
    public static async Task<NatsConnection> ConnectAsync(string name, CancellationToken cancellationToken)
    {
        var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = CurrentUrl ?? throw new InvalidOperationException(s_unavailable),
            Name = name,

            // As Channels.Nats does for link inboxes: the subscription's own buffer is never the bound that binds.
            SubPendingChannelCapacity = 1 << 16,
        });
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts a server and publishes its URL, or returns <see langword="null"/> and records why (nats-server not
    /// installed, or it did not come up): the NATS rows then say so and the run goes on.
    /// </summary>
    public static async Task<BenchNatsServer?> TryStartAsync(TimeSpan timeout)
    {
        string? executable = FindExecutable();
        if (executable is null)
        {
            s_unavailable = "unavailable: nats-server is not installed (Debian package nats-server; looked on PATH and in /usr/sbin)";
            Console.Error.WriteLine("  NATS rows skipped: " + s_unavailable);
            return null;
        }

        string store = Directory.CreateTempSubdirectory("channels-bench-nats-").FullName;
        int port = FreePort();
        var info = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in (string[])["-js", "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-sd", store])
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("nats-server did not start");
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            DeleteStore(store);
            s_unavailable = "unavailable: nats-server could not be started (" + ex.Message + ")";
            Console.Error.WriteLine("  NATS rows skipped: " + s_unavailable);
            return null;
        }

        // The server logs to standard error; its warnings and errors (a slow consumer cut off, say) explain a failed row.
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, line) =>
        {
            if (line.Data is { } text && (text.Contains("[WRN]", StringComparison.Ordinal) || text.Contains("[ERR]", StringComparison.Ordinal)))
            {
                Console.Error.WriteLine("    [nats-server] " + text);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new BenchNatsServer(process, store, string.Create(CultureInfo.InvariantCulture, $"nats://127.0.0.1:{port}"));
        try
        {
            await server.WaitReadyAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            s_unavailable = "unavailable: nats-server did not become ready (" + ex.Message.ReplaceLineEndings(" ") + ")";
            Console.Error.WriteLine("  NATS rows skipped: " + s_unavailable);
            return null;
        }

        Environment.SetEnvironmentVariable(UrlVariable, server.Url);
        Console.Error.WriteLine($"  nats-server (pid {process.Id}) at {server.Url}, store {store}");
        return server;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Environment.SetEnvironmentVariable(UrlVariable, null);
        s_unavailable = "unavailable: the nats-server of this run was stopped";
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            Console.Error.WriteLine($"  nats-server (pid {_process.Id}) did not stop cleanly: {ex.Message}");
        }
        finally
        {
            _process.Dispose();
            DeleteStore(_store);
        }
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nats-server exited with code {_process.ExitCode} while starting");
            }

            try
            {
                await using var connection = new NatsConnection(NatsOpts.Default with { Url = Url, ConnectTimeout = TimeSpan.FromSeconds(1) });
                using var call = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await connection.ConnectAsync().ConfigureAwait(false);
                await new NatsJSContext(connection).GetAccountInfoAsync(call.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    private static string? FindExecutable()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, "nats-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (string candidate in KnownPaths)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static void DeleteStore(string store)
    {
        try
        {
            Directory.Delete(store, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Deleted already (a run ending as the runner was killed).
        }
        catch (IOException ex)
        {
            Console.Error.WriteLine($"  could not delete the NATS store {store}: {ex.Message}");
        }
    }
}
