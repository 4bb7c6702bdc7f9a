using System.Diagnostics;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// A child process of this executable with its control path. Disposing asks it to quit, and kills it (with its
/// descendants) if it has not exited shortly after, so no benchmark leaves a process behind.
/// </summary>
public sealed class ChildHost : IPeerControl
{
    private static readonly TimeSpan QuitGrace = TimeSpan.FromSeconds(3);
    private readonly Process _process;
    private readonly string _name;

    private ChildHost(Process process, string name)
    {
        _process = process;
        _name = name;
    }

    /// <inheritdoc/>
    public bool IsSeparateProcess => true;

    /// <summary>The child's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts this executable as <c>child</c> with <paramref name="arguments"/>.</summary>
    public static ChildHost Start(string name, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var all = new List<string>(arguments.Count + 1) { ChildRoles.Verb };
        all.AddRange(arguments);
        ProcessStartInfo info = SelfLauncher.CreateStartInfo(all);
        if (environment is not null)
        {
            foreach (KeyValuePair<string, string> pair in environment)
            {
                info.Environment[pair.Key] = pair.Value;
            }
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException($"child '{name}' did not start");
        return new ChildHost(process, name);
    }

    /// <inheritdoc/>
    public async ValueTask SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<string> ReadReplyAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            string? line;
            try
            {
                line = await _process.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"child '{_name}' (pid {_process.Id}) sent no reply within {timeout.TotalSeconds:0} s");
            }

            if (line is null)
            {
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(QuitGrace).ConfigureAwait(false);
                throw new InvalidOperationException($"child '{_name}' (pid {_process.Id}) exited with code {_process.ExitCode} before replying");
            }

            if (line.Length > 0 && line[0] == StdioChildControl.ReplyPrefix)
            {
                string reply = line[1..];
                if (reply.StartsWith("error ", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"child '{_name}' failed: {reply[6..]}");
                }

                return reply;
            }

            Console.Error.WriteLine($"    [{_name}] {line}");
        }
    }

    /// <inheritdoc/>
    public void Abort() => Kill();

    /// <summary>Kills the child and its descendants now.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                try
                {
                    await SendAsync("quit").ConfigureAwait(false);
                    _process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // the child closed its input already; the kill below settles it
                }

                using var grace = new CancellationTokenSource(QuitGrace);
                try
                {
                    await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // did not quit in time
                }
            }
        }
        finally
        {
            Kill();
            _process.Dispose();
        }
    }
}
