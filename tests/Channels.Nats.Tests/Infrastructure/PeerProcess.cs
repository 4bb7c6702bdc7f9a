using System.Diagnostics;
using System.Threading.Channels;

namespace Channels.Nats.Tests.Infrastructure;

/// <summary>
/// The other "machine": a Channels.Nats.Peer process that reaches the test only through nats-server. Its output
/// lines can be awaited; dispose kills it if it still runs.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _errors = [];

    private PeerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) _lines.Writer.TryComplete();
            else _lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (_errors) _errors.Add(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>What the process wrote to standard error so far, for failure messages.</summary>
    public string Errors
    {
        get { lock (_errors) return string.Join(Environment.NewLine, _errors); }
    }

    /// <summary>The peer program, copied next to the tests.</summary>
    public static string PeerAssembly => Path.Combine(AppContext.BaseDirectory, "Channels.Nats.Peer.dll");

    /// <summary>The <c>dotnet</c> host that runs the tests (and the peer).</summary>
    public static string DotNet => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary>Starts the peer with <paramref name="arguments"/>; <paramref name="environment"/> adds variables (NATS_TEST_KEY, ...).</summary>
    public static PeerProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        string dll = PeerAssembly;
        var start = new ProcessStartInfo(DotNet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        foreach ((string name, string value) in environment)
            start.Environment[name] = value;
        return new PeerProcess(Process.Start(start) ?? throw new InvalidOperationException("The peer process did not start."));
    }

    /// <summary>Waits for an output line starting with <paramref name="prefix"/>; fails with the peer's errors after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (string line in _lines.Reader.ReadAllAsync(cts.Token))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                    return line;
            }
        }
        catch (OperationCanceledException)
        {
        }
        throw new TimeoutException($"The peer did not print '{prefix}' within {timeout.TotalSeconds} s. Its errors: {Errors}");
    }

    /// <summary>Waits for exit at most <paramref name="timeout"/>; returns the exit code (a timeout fails the test).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The peer did not exit within {timeout.TotalSeconds} s. Its errors: {Errors}");
        }
        return _process.ExitCode;
    }

    /// <summary>SIGKILLs the process.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Exited already.
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
