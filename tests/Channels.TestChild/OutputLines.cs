using System.Diagnostics;
using System.Threading.Channels;

namespace Channels.TestChild;

/// <summary>The standard output lines of a started process, to wait for the one that starts with a prefix; its standard error is kept as text.</summary>
public sealed class OutputLines
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _errors = [];

    /// <summary>Subscribes to <paramref name="process"/>'s redirected output and error; call before <see cref="Process.Start()"/>'s reads begin.</summary>
    public OutputLines(Process process)
    {
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                _lines.Writer.TryComplete();
            else
                _lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_errors)
                    _errors.Add(e.Data);
            }
        };
    }

    /// <summary>Everything the process wrote to its standard error so far.</summary>
    public string StandardError
    {
        get
        {
            lock (_errors)
                return string.Join('\n', _errors);
        }
    }

    /// <summary>The next line starting with <paramref name="prefix"/>; null when the output ends first or <paramref name="timeout"/> passes (<paramref name="timedOut"/> tells which).</summary>
    public async Task<(string? Line, bool TimedOut)> NextAsync(string prefix, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(cts.Token))
            {
                while (_lines.Reader.TryRead(out string? line))
                {
                    if (line.StartsWith(prefix, StringComparison.Ordinal))
                        return (line, false);
                }
            }
            return (null, false);
        }
        catch (OperationCanceledException)
        {
            return (null, true);
        }
    }
}
