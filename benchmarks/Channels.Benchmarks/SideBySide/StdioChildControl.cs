namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// Control over the child's standard input and output. Replies start with '@' so that anything else a child
/// happens to print is passed through by the parent instead of being taken for a reply.
/// </summary>
public sealed class StdioChildControl : IChildControl
{
    /// <summary>The prefix of reply lines.</summary>
    public const char ReplyPrefix = '@';

    /// <inheritdoc/>
    public async ValueTask<string?> ReadCommandAsync(CancellationToken cancellationToken)
        => await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask ReplyAsync(string line)
    {
        await Console.Out.WriteLineAsync(ReplyPrefix + line).ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
    }
}
