using System.Diagnostics;
using System.Threading.Channels;
using Channels.TestChild;

namespace Channels.Runtime.Tests.Infrastructure;

/// <summary>
/// A Channels.TestChild process running one scenario (<c>dotnet Channels.TestChild.dll name args</c>). Its stdout
/// lines are collected; disposing kills it if it still runs, so no test leaves a process behind.
/// </summary>
public sealed class Child : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _stderr = [];

    private Child(Process process) => _process = process;

    public Process Process => _process;

    public static Child Start(TestRuntimeDirectory directory, string scenario, IEnumerable<string> args, byte[]? key = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Channels.TestChild.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(scenario);
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        info.Environment[ScenarioOptions.RuntimeDirectoryVariable] = directory.Path;
        info.Environment[ScenarioOptions.SharedMemoryVariable] = directory.SharedMemory ? "1" : "0";
        if (key is not null)
            info.Environment[ScenarioOptions.KeyVariable] = Convert.ToHexString(key);
        var process = new Process { StartInfo = info };
        var child = new Child(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                child._lines.Writer.TryComplete();
            else
                child._lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._stderr)
                    child._stderr.Add(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
                return string.Join('\n', _stderr);
        }
    }

    /// <summary>Waits for the next stdout line that starts with <paramref name="prefix"/>.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
            {
                while (_lines.Reader.TryRead(out string? line))
                {
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                        return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Child did not print a line starting with '{prefix}'. stderr: {StandardError}");
        }
        throw new InvalidOperationException($"Child ended without printing a line starting with '{prefix}'. Exit code {(_process.HasExited ? _process.ExitCode : -1)}. stderr: {StandardError}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Gone already.
        }
        _process.Dispose();
    }
}
