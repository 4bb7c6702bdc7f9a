using System.Diagnostics;

namespace Channels.TestChild.Chaos;

/// <summary>A chaos end: <c>dotnet Channels.TestChild.dll scenario args</c>, its output lines, and signals. Disposing kills it.</summary>
internal sealed class ChaosProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly OutputLines _lines;

    private ChaosProcess(Process process)
    {
        _process = process;
        _lines = new OutputLines(process);
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
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return chaos;
    }

    /// <summary>The dotnet host running this program (the chaos ends run under it too).</summary>
    public static string DotNet => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary>The next line starting with <paramref name="prefix"/>, or null if none comes within <paramref name="timeout"/> or the process ends first.</summary>
    public async Task<string?> LineAsync(string prefix, TimeSpan timeout) => (await _lines.NextAsync(prefix, timeout)).Line;

    public void Signal(int signal) => Signals.Send(_process.Id, signal);

    public async ValueTask DisposeAsync()
    {
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
