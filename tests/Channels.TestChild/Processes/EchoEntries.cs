using System.Globalization;
using Channels;

namespace Channels.TestChild.Processes;

/// <summary>Child entries that the ChildProcess tests start.</summary>
public static class EchoEntries
{
    /// <summary>Echoes every number back, then completes.</summary>
    [ChildEntry]
    public static async Task Echo(IEcho.Peer parent, CancellationToken cancellationToken)
    {
        await foreach (long number in parent.Numbers.ReadAllAsync(cancellationToken))
            await parent.Answers.WriteAsync(number, cancellationToken);
        parent.Answers.Complete();
    }

    /// <summary>Answers with the argument's length and whether the token is live, then exits with the argument as exit code.</summary>
    [ChildEntry]
    public static async Task<int> ExitWith(IEcho.Peer parent, string exitCode, CancellationToken cancellationToken)
    {
        await parent.Answers.WriteAsync(cancellationToken.CanBeCanceled && !cancellationToken.IsCancellationRequested ? 1 : 0, cancellationToken);
        parent.Answers.Complete();
        return int.Parse(exitCode, CultureInfo.InvariantCulture);
    }

    /// <summary>Throws an exception with the argument as message.</summary>
    [ChildEntry]
    public static Task Throw(IEcho.Peer parent, string message)
        => throw new InvalidDataException(message);

    /// <summary>
    /// Answers 1, 2, 3, then throws an exception with the argument as message (a failure half-way through results);
    /// "repeat:N" makes a message of N characters (too long for the environment that carries arguments).
    /// </summary>
    [ChildEntry]
    public static async Task WriteThenThrow(IEcho.Peer parent, string message, CancellationToken cancellationToken)
    {
        for (long i = 1; i <= 3; i++)
            await parent.Answers.WriteAsync(i, cancellationToken);
        throw new InvalidDataException(message.StartsWith("repeat:", StringComparison.Ordinal)
            ? new string('m', int.Parse(message.AsSpan(7), CultureInfo.InvariantCulture))
            : message);
    }

    /// <summary>Reads until the link ends; writes the type of the exception that ended it into the file named by the argument.</summary>
    [ChildEntry]
    public static async Task<int> ReadUntilLost(IEcho.Peer parent, string markerPath, CancellationToken cancellationToken)
    {
        string outcome = "completed";
        try
        {
            await foreach (long number in parent.Numbers.ReadAllAsync(CancellationToken.None))
            {
                if (number == 0)
                    File.WriteAllText(markerPath + ".reading", "reading");
            }
        }
        catch (Exception ex)
        {
            outcome = ex.GetType().Name;
        }
        // Whole or not at all: the test reads the file as soon as it exists.
        File.WriteAllText(markerPath + ".tmp", outcome);
        File.Move(markerPath + ".tmp", markerPath);
        return outcome == nameof(PeerLostException) ? 0 : 1;
    }
}
