using System.Globalization;
using Channels;

namespace Channels.TestChild.Processes;

/// <summary>Child entries that the observability tests start.</summary>
public static class ObservedEntries
{
    /// <summary>Echoes every number back until the link ends.</summary>
    [ChildEntry]
    public static async Task Echo(IObservedEcho.Peer parent, CancellationToken cancellationToken)
    {
        await foreach (long number in parent.Numbers.ReadAllAsync(cancellationToken))
            await parent.Answers.WriteAsync(number, cancellationToken);
        parent.Answers.Complete();
    }

    /// <summary>Exits with the argument as exit code.</summary>
    [ChildEntry]
    public static int ExitWith(IObservedEcho.Peer parent, string exitCode)
        => int.Parse(exitCode, CultureInfo.InvariantCulture);

    /// <summary>Throws an exception with the argument as message.</summary>
    [ChildEntry]
    public static Task Throw(IObservedEcho.Peer parent, string message)
        => throw new InvalidDataException(message);

    /// <summary>Answers once, then ignores its cancellation token and never returns (its parent has to kill it).</summary>
    [ChildEntry]
    public static async Task Hang(IObservedEcho.Peer parent, CancellationToken cancellationToken)
    {
        await parent.Answers.WriteAsync(1, cancellationToken);
        await Task.Delay(Timeout.Infinite, CancellationToken.None);
    }

    /// <summary>Gets the argument's number of items, acknowledges with their count, and holds them (never TaskDone) until killed.</summary>
    [ChildEntry]
    public static async Task GetAndHold(IObservedWork board, string count, CancellationToken cancellationToken)
    {
        int items = int.Parse(count, CultureInfo.InvariantCulture);
        for (int i = 0; i < items; i++)
            await board.Items.GetAsync(cancellationToken);
        await board.Acks.PutAsync(items, cancellationToken);
        await Task.Delay(Timeout.Infinite, CancellationToken.None);
    }
}
