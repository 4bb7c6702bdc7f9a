using System.Collections.Concurrent;
using System.Diagnostics;

namespace Channels.TestChild.Chaos;

/// <summary>A chaos end: <c>dotnet Channels.TestChild.dll scenario args</c>, its output lines, and signals. Disposing kills it.</summary>
internal sealed class ChaosProcess : IAsyncDisposable
{
    // Every end not yet disposed, so that a run stopped by SIGTERM or SIGINT kills them (a stopped end would outlive it).
    private static readonly ConcurrentDictionary<ChaosProcess, bool> Live = new();

    private readonly Process _process;
    private readonly OutputLines _lines;
    private long _lastPut;

    private ChaosProcess(Process process)
    {
        _process = process;
        _lines = new OutputLines(process);
        // A producer's "put N" lines: the last one seen tells how many of its puts had returned at least.
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("put ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(4), out long put))
                Volatile.Write(ref _lastPut, put);
        };
    }

    public int Id => _process.Id;

    public static ChaosProcess Start(string runtimeDirectory, string scenario, params string[] args)
    {
        var info = new ProcessStartInfo(DotNet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(ChaosProcess).Assembly.Location);
        info.ArgumentList.Add(scenario);
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        info.Environment[ScenarioOptions.RuntimeDirectoryVariable] = runtimeDirectory;
        var process = new Process { StartInfo = info };
        var chaos = new ChaosProcess(process);
        process.Start();
        Live[chaos] = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return chaos;
    }

    /// <summary>The dotnet host running this program (the chaos ends run under it too).</summary>
    public static string DotNet => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary>The next line starting with <paramref name="prefix"/>, or null if none comes within <paramref name="timeout"/> or the process ends first.</summary>
    public async Task<string?> LineAsync(string prefix, TimeSpan timeout) => (await _lines.NextAsync(prefix, timeout)).Line;

    /// <summary>The number of the last "put N" line received so far (0 if none): at least that many puts had returned.</summary>
    public long LastPut => Volatile.Read(ref _lastPut);

    public void Signal(int signal) => Signals.Send(_process.Id, signal);

    /// <summary>Waits until the process has exited and its output has been read to the end; false if that takes longer than <paramref name="timeout"/>.</summary>
    public async Task<bool> ExitedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>What the process wrote to its standard error, for reports.</summary>
    public string StandardError => _lines.StandardError;

    /// <summary>Kills every end not yet disposed (SIGKILL ends stopped processes too).</summary>
    public static void KillAll()
    {
        foreach (ChaosProcess chaos in Live.Keys)
            Signals.Send(chaos.Id, Signals.Kill);
    }

    public async ValueTask DisposeAsync()
    {
        Live.TryRemove(this, out _);
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Gone already.
        }
        _process.Dispose();
    }
}
