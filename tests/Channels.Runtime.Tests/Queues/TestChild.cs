using System.Collections.Concurrent;
using System.Diagnostics;

namespace Channels.Runtime.Tests.Queues;

/// <summary>
/// A <c>dotnet Channels.TestChild.dll &lt;scenario&gt; ...</c> process whose output lines are collected. Disposing
/// kills it if it still runs, so a failing test leaves no process behind.
/// </summary>
internal sealed class TestChild : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private TestChild(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The lines printed so far.</summary>
    public string[] Lines => [.. _lines];

    /// <summary>Everything printed so far, for assertion messages.</summary>
    public string Output => $"[child {_process.Id}] stdout:\n{string.Join('\n', _lines)}\nstderr:\n{string.Join('\n', _errors)}";

    public static TestChild Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Channels.TestChild.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var process = new Process { StartInfo = info };
        var child = new TestChild(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            child._lines.Enqueue(e.Data);
            child._lineArrived.Release();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) child._errors.Enqueue(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until at least <paramref name="count"/> printed lines satisfy <paramref name="match"/>.</summary>
    public async Task WaitForLinesAsync(Func<string, bool> match, int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            int found = 0;
            foreach (var line in _lines) if (match(line)) found++;
            if (found >= count) return;
            var left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"Expected {count} matching lines within {timeout}; found {found}.\n{Output}");
            await _lineArrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Child {_process.Id} did not exit within {timeout}.\n{Output}");
        }
        // The parameterless wait drains the redirected output.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as a crash would.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Kill();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await _process.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { }
        }
        _process.Dispose();
    }
}
