using Channels;
using Channels.Hosting;
using Microsoft.Extensions.Hosting;

namespace WorkerService;

/// <summary>Starts the squarer child with the host; the host's <see cref="ChildProcessGroup"/> stops it.</summary>
internal sealed class SquarerLauncher(IWorkBoard board, ChildProcessGroup children) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ChildProcess child = children.Add(await ChildProcess.StartAsync(board, Squarer.Run, cancellationToken: cancellationToken));
        Console.WriteLine($"squarer child {child.Id} started");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static class Squarer
{
    /// <summary>Runs in the child: squares jobs until its parent stops it (the token fires).</summary>
    [ChildEntry]
    public static async Task Run(IWorkBoard board, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                int value = await board.Jobs.GetAsync(cancellationToken);
                await board.Results.PutAsync(new Squared(value, (long)value * value), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The parent is stopping: a normal end.
        }
    }
}
