using Channels.Contracts;

namespace Channels;

/// <summary>The child's side of <see cref="ChildProcess"/>: finds the entry it was started for and runs it.</summary>
internal static class ChildRunner
{
    /// <summary>The entry threw; the exception was reported to the parent.</summary>
    public const int EntryFailedExitCode = 1;

    /// <summary>The child could not start its entry (unknown entry, malformed start variables).</summary>
    public const int StartFailedExitCode = 2;

    /// <summary>The parent went away (or disposed the handle) and the entry stopped on its cancellation token, or did not return within the grace period.</summary>
    public const int ParentLostExitCode = 3;

    // Read once and cleared from the environment, so that this child's own children do not inherit them.
    private static readonly Lazy<ChildStartInfo?> s_startInfo = new(ChildStartInfo.TakeFromEnvironment, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The line every program that starts children begins its Main with.</summary>
    public const string EntryLine = "if (ChildProcess.IsChild) return await ChildProcess.RunAsync();";

    private static int s_entered;

    public static bool IsChild => s_startInfo.Value is not null;

    public static async Task<int> RunAsync()
    {
        ChildStartInfo info = s_startInfo.Value
            ?? throw new InvalidOperationException("This process was not started by ChildProcess.StartAsync; call ChildProcess.RunAsync() only when ChildProcess.IsChild is true.");
        Volatile.Write(ref s_entered, 1);

        if (!ChildEntryRegistry.TryGet(info.EntryName, out ChildEntryInvoker? invoker))
        {
            var missing = new InvalidOperationException(
                $"Child entry '{info.EntryName}' is not registered in this program. Mark the method [ChildEntry] and start the program that contains it (ChildProcessOptions.ExecutablePath).");
            Report(info, missing);
            return StartFailedExitCode;
        }

        using var parentGone = new CancellationTokenSource();
        ParentWatch.Start(() => OnParentGone(info, parentGone));
        try
        {
            return await invoker(new ChildEntryContext(info, parentGone.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (parentGone.IsCancellationRequested)
        {
            // The entry honoured the request to stop: the parent went away or disposed the child's handle.
            return ParentLostExitCode;
        }
        catch (Exception ex)
        {
            Report(info, ex);
            return EntryFailedExitCode;
        }
    }

    /// <summary>
    /// Refuses to start a child from a process that was itself started as a child but never ran its entry: its Main
    /// lacks <see cref="EntryLine"/>, so it runs from the top and would start children without end (a fork bomb).
    /// The failure is also reported to this process's parent, whose <see cref="ChildProcess.Failure"/> then names the line.
    /// </summary>
    /// <exception cref="InvalidOperationException">This process is a child that has not run its entry.</exception>
    public static void ThrowIfChildWithoutEntry()
    {
        if (Volatile.Read(ref s_entered) != 0)
            return;
        ChildStartInfo? info;
        try
        {
            // Reads (and clears) the start variables if IsChild was never asked.
            info = s_startInfo.Value;
        }
        catch (InvalidOperationException malformed)
        {
            throw NoEntryLine(null, malformed);
        }
        if (info is null)
            return;
        InvalidOperationException error = NoEntryLine(info.EntryName, null);
        Report(info, error);
        throw error;
    }

    private static InvalidOperationException NoEntryLine(string? entryName, Exception? inner)
        => new($"This process was started by ChildProcess to run child entry '{entryName}', but it is starting a child itself without having run that entry: " +
               $"its Main does not begin with '{EntryLine}'. Without that line every child runs Main from the top and starts children of its own (a fork bomb); add it as the first line of Main.", inner);

    private static void OnParentGone(ChildStartInfo info, CancellationTokenSource parentGone)
    {
        try
        {
            parentGone.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return; // the entry has returned already
        }
        RemoveUnusedReportDirectory(info);
        if (info.KeepRunningAfterParentExit)
            return;
        // An entry that ignores its token must not outlive its parent forever.
        var exit = new Thread(static state =>
        {
            Thread.Sleep((TimeSpan)state!);
            Environment.Exit(ParentLostExitCode);
        })
        {
            IsBackground = true,
            Name = "Channels parent-lost exit",
        };
        exit.Start(info.GracePeriod);
    }

    // The parent made the report's directory and removes it when the child exits; a parent that is gone (killed, say)
    // never will. Only an empty directory goes: a report already written stays for a parent that still reads it.
    private static void RemoveUnusedReportDirectory(ChildStartInfo info)
    {
        try
        {
            if (Path.GetDirectoryName(info.ReportPath) is { Length: > 0 } directory)
                Directory.Delete(directory, recursive: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not empty, or gone already.
        }
    }

    private static void Report(ChildStartInfo info, Exception exception)
    {
        Console.Error.WriteLine($"Channels child entry '{info.EntryName}' (process {Environment.ProcessId}) failed: {exception}");
        try
        {
            ChildFailureReport.Write(info.ReportPath, exception);
        }
        catch (Exception writeFailure) when (writeFailure is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Channels could not report the failure to the parent: {writeFailure.Message}");
        }
    }
}
