using System.Diagnostics;
using System.Reflection;
using Channels.Contracts;
using Channels.Diagnostics;
using MemoryPack;
using Microsoft.Extensions.Logging;

namespace Channels;

/// <summary>
/// A child process running a <see cref="ChildEntryAttribute">[ChildEntry]</see> method with one endpoint handed over
/// by its parent: the peer end of a link or an open queue contract (Python's <c>multiprocessing.Process</c>).
/// </summary>
/// <remarks>
/// The child is this program again (or <see cref="ChildProcessOptions.ExecutablePath"/>), whose <c>Main</c> begins
/// with <c>if (ChildProcess.IsChild) return await ChildProcess.RunAsync();</c>. The endpoint, its one-time key and the
/// entry's name travel in the child's environment. The child's standard input belongs to Channels: its end tells the
/// child that the parent is gone. A child whose <c>Main</c> lacks that line would run <c>Main</c> from the top and start
/// children of its own; instead its first start fails at once with <see cref="InvalidOperationException"/> naming the
/// line (and the generator warns, CHN020).
/// </remarks>
[DebuggerDisplay("ChildProcess {Id} ({_entryName}), exited = {HasExited}")]
public sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _entryName;
    private readonly string _reportDirectory;
    private readonly TimeSpan _gracePeriod;
    private readonly ILogger? _logger;
    private RemoteException? _failure;
    private int? _exitCode;
    private int _disposed;

    private ChildProcess(Process process, string entryName, string reportDirectory, TimeSpan gracePeriod, ILogger? logger)
    {
        _process = process;
        Id = process.Id;
        _entryName = entryName;
        _reportDirectory = reportDirectory;
        _gracePeriod = gracePeriod;
        _logger = logger;
    }

    /// <summary>Whether this process was started by <see cref="ChildProcess"/> to run an entry (Python's <c>__name__ != '__main__'</c> under spawn).</summary>
    public static bool IsChild => ChildRunner.IsChild;

    /// <summary>
    /// Runs the entry this child was started for and returns its exit code: the entry's own for <see cref="int"/>
    /// entries, 0 when it returns, 1 when it throws (the exception is reported to the parent, see <see cref="Failure"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">This process is not a child (<see cref="IsChild"/> is false).</exception>
    public static Task<int> RunAsync() => ChildRunner.RunAsync();

    /// <summary>The child's process id.</summary>
    public int Id { get; }

    /// <summary>Whether the child has exited.</summary>
    public bool HasExited => ExitCode is not null;

    /// <summary>The child's exit code once it has exited (128 plus the signal number when a signal ended it), else <see langword="null"/>.</summary>
    public int? ExitCode
    {
        get
        {
            if (_exitCode is null && Volatile.Read(ref _disposed) == 0 && _process.HasExited)
                Observe();
            return _exitCode;
        }
    }

    /// <summary>The exception that escaped the child's entry (type name, message, stack trace as text), once the child has exited; <see langword="null"/> if none did.</summary>
    public RemoteException? Failure
    {
        get
        {
            _ = ExitCode;
            return _failure;
        }
    }

    /// <summary>The child's standard output, when <see cref="ChildProcessOptions.RedirectStandardOutput"/> is set.</summary>
    public StreamReader? StandardOutput => _process.StartInfo.RedirectStandardOutput ? _process.StandardOutput : null;

    /// <summary>The child's standard error, when <see cref="ChildProcessOptions.RedirectStandardError"/> is set.</summary>
    public StreamReader? StandardError => _process.StartInfo.RedirectStandardError ? _process.StandardError : null;

    private string ReportPath => Path.Combine(_reportDirectory, "failure");

    /// <summary>Waits for the child to exit (Python's <c>join()</c>) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        if (_exitCode is { } known)
            return known;
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return Observe();
    }

    // Called once the process has exited: keeps what the handle reports after the Process object is disposed, and
    // reports the exit (and the entry's failure) once.
    private int Observe()
    {
        lock (_process)
        {
            if (_exitCode is null)
            {
                _failure = ChildFailureReport.TryRead(ReportPath);
                _exitCode = _process.ExitCode;
                ReportExit(_exitCode.Value);
            }
            return _exitCode.Value;
        }
    }

    private void ReportExit(int exitCode)
    {
        ChannelsMeter.ChildExited(_entryName, exitCode);
        if (_logger is null)
            return;
        ChannelsLog.ChildExited(_logger, exitCode == 0 ? LogLevel.Information : LogLevel.Warning, _entryName, Id, exitCode);
        if (_failure is { } failure)
            ChannelsLog.ChildFailed(_logger, _entryName, Id, failure.RemoteType, failure.RemoteMessage);
    }

    // Exits are reported as they happen, not only when someone asks for the exit code.
    private void WatchExit()
    {
        try
        {
            _process.EnableRaisingEvents = true;
            _process.Exited += OnExited;
            if (_process.HasExited)
                OnExited(_process, EventArgs.Empty);
        }
        catch (InvalidOperationException)
        {
            // Not watchable: the exit is reported when it is asked for.
        }
    }

    private void OnExited(object? sender, EventArgs e)
    {
        if (Volatile.Read(ref _disposed) != 0 || _exitCode is not null)
            return;
        try
        {
            Observe();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // Disposed meanwhile: DisposeAsync observed the exit.
        }
    }

    /// <summary>Ends the child at once with SIGKILL (Python's <c>kill()</c>); the parent's links to it end with <see cref="PeerLostException"/>.</summary>
    public void Kill()
    {
        if (Volatile.Read(ref _disposed) == 0)
            KillTree();
    }

    // Also called by DisposeAsync, after it marked this disposed (Kill would then do nothing and dispose would wait
    // for ever for a child that ignores its parent going away).
    private void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited already.
        }
    }

    /// <summary>
    /// Stops the child: tells it that its parent is going (its entry's cancellation token fires), waits
    /// <see cref="ChildProcessOptions.ShutdownGracePeriod"/> for it to exit, then kills it; removes its files.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        try
        {
            if (!_process.HasExited)
            {
                CloseParentWatch();
                using var grace = new CancellationTokenSource(_gracePeriod);
                try
                {
                    await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    if (_logger is not null)
                        ChannelsLog.ChildKilled(_logger, _entryName, Id, _gracePeriod);
                    KillTree();
                    await _process.WaitForExitAsync().ConfigureAwait(false);
                }
            }
            Observe();
        }
        finally
        {
            _process.Dispose();
            TryDeleteReportDirectory();
        }
    }

    private void CloseParentWatch()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The child is exiting; its end of the pipe is gone.
        }
    }

    private void TryDeleteReportDirectory()
    {
        try
        {
            Directory.Delete(_reportDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a private, empty-or-tiny directory in the temp folder.
        }
    }

    private static byte[] SerializeArgument<TArg>(TArg argument) => MemoryPackSerializer.Serialize(argument);

    private static Task<ChildProcess> StartCoreAsync(object endpoint, Delegate entry, byte[]? argument, ChildProcessOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        ChildRunner.ThrowIfChildWithoutEntry();
        options ??= ChildProcessOptions.Default;
        string entryName = EntryNameOf(entry);

        (string address, byte[] key, ChildEndpointKind kind) = endpoint switch
        {
            IChannelEndpoint link => Ticket(link.Link.DetachForChild(), ChildEndpointKind.Link),
            IQueueEndpoint queue => Ticket(queue.Session.GetChildTicket(), ChildEndpointKind.Queue),
            _ => throw new ArgumentException(
                $"A {endpoint.GetType()} cannot be handed to a child: pass the Peer end of a pipe (CreatePipe) or an open queue contract.", nameof(endpoint)),
        };

        // Directory.CreateTempSubdirectory creates the directory with mode 0700 on Unix.
        string reportDirectory = Directory.CreateTempSubdirectory("channels-child-").FullName;
        var info = new ChildStartInfo(
            entryName, kind, address, key, argument, Path.Combine(reportDirectory, "failure"),
            options.KeepRunningAfterParentExit, options.ShutdownGracePeriod, options.ChannelOptions ?? ChannelOptions.Default);

        ProcessStartInfo start = CreateStartInfo(options);
        info.WriteTo(start.Environment);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{start.FileName}'.");
        }
        catch
        {
            Directory.Delete(reportDirectory, recursive: true);
            throw;
        }
        if (endpoint is IChannelEndpoint handed)
            handed.Link.AttachPeerProcess(process);
        ILogger? logger = ChannelsLog.For(options.ChannelOptions ?? (endpoint as IChannelEndpoint)?.Link.Options ?? ChannelOptions.Default);
        var child = new ChildProcess(process, entryName, reportDirectory, options.ShutdownGracePeriod, logger);
        ChannelsMeter.ChildStarted(entryName);
        if (logger is not null)
            ChannelsLog.ChildStarted(logger, entryName, child.Id);
        child.WatchExit();
        return Task.FromResult(child);
    }

    private static (string, byte[], ChildEndpointKind) Ticket((string Endpoint, byte[] Key) ticket, ChildEndpointKind kind) => (ticket.Endpoint, ticket.Key, kind);

    private static string EntryNameOf(Delegate entry)
    {
        MethodInfo method = entry.Method;
        if (!method.IsStatic || method.DeclaringType is null || !method.IsDefined(typeof(ChildEntryAttribute), inherit: false))
            throw new ArgumentException(
                $"The entry '{method.DeclaringType?.Name}.{method.Name}' is not a static method marked [ChildEntry]; a child can only run such a method (not a lambda).", nameof(entry));
        return method.DeclaringType.FullName + "." + method.Name;
    }

    private static ProcessStartInfo CreateStartInfo(ChildProcessOptions options)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = options.RedirectStandardOutput,
            RedirectStandardError = options.RedirectStandardError,
        };
        if (options.ExecutablePath is { } executable)
        {
            start.FileName = executable;
        }
        else
        {
            string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown; set ChildProcessOptions.ExecutablePath.");
            start.FileName = self;
            // Started as `dotnet app.dll`: the child is `dotnet app.dll` too.
            if (string.Equals(Path.GetFileNameWithoutExtension(self), "dotnet", StringComparison.Ordinal))
            {
                string assembly = Assembly.GetEntryAssembly()?.Location
                    ?? throw new InvalidOperationException("The entry assembly of this program is unknown; set ChildProcessOptions.ExecutablePath.");
                start.ArgumentList.Add(assembly);
            }
        }
        foreach (string argument in options.Arguments)
            start.ArgumentList.Add(argument);
        if (options.Environment is { } environment)
        {
            foreach (KeyValuePair<string, string> variable in environment)
                start.Environment[variable.Key] = variable.Value;
        }
        return start;
    }
}
