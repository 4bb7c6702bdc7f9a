using System.Diagnostics;
using Channels.TestChild;

namespace Channels.Runtime.Tests.Infrastructure;

/// <summary>
/// A Channels.TestChild process running one scenario (<c>dotnet Channels.TestChild.dll name args</c>). Its stdout
/// lines are collected; disposing kills it if it still runs, so no test leaves a process behind.
/// </summary>
public sealed class Child : IAsyncDisposable
{
    private readonly Process _process;
    private readonly OutputLines _lines;

    private Child(Process process)
    {
        _process = process;
        _lines = new OutputLines(process);
    }

    public Process Process => _process;

    /// <param name="launcher">A command that runs dotnet (e.g. <c>prlimit --nofile=1024</c>), so that the child's own limits differ.</param>
    /// <param name="configure">Last changes to the start info (environment).</param>
    public static Child Start(TestRuntimeDirectory directory, string scenario, IEnumerable<string> args, byte[]? key = null,
        string[]? launcher = null, Action<ProcessStartInfo>? configure = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Channels.TestChild.dll");
        var info = new ProcessStartInfo(launcher is { Length: > 0 } ? launcher[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (launcher is { Length: > 0 })
        {
            foreach (string part in launcher.AsSpan(1))
                info.ArgumentList.Add(part);
            info.ArgumentList.Add("dotnet");
        }
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(scenario);
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        info.Environment[ScenarioOptions.RuntimeDirectoryVariable] = directory.Path;
        info.Environment[ScenarioOptions.SharedMemoryVariable] = directory.SharedMemory ? "1" : "0";
        if (key is not null)
            info.Environment[ScenarioOptions.KeyVariable] = Convert.ToHexString(key);
        configure?.Invoke(info);
        var process = new Process { StartInfo = info };
        var child = new Child(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public string StandardError => _lines.StandardError;

    /// <summary>Waits for the next stdout line that starts with <paramref name="prefix"/>.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan? timeout = null)
    {
        (string? line, bool timedOut) = await _lines.NextAsync(prefix, timeout ?? TimeSpan.FromSeconds(30));
        if (line is not null)
            return line;
        if (timedOut)
            throw new TimeoutException($"Child did not print a line starting with '{prefix}'. stderr: {StandardError}");
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
