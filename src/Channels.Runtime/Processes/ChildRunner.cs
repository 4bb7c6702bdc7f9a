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

    public static bool IsChild => s_startInfo.Value is not null;

    public static async Task<int> RunAsync()
    {
        ChildStartInfo info = s_startInfo.Value
            ?? throw new InvalidOperationException("This process was not started by ChildProcess.StartAsync; call ChildProcess.RunAsync() only when ChildProcess.IsChild is true.");

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
