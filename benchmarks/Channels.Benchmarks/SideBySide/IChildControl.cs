namespace Channels.Benchmarks.SideBySide;

/// <summary>The child's side of the control path: commands from the parent, replies to it.</summary>
public interface IChildControl
{
    /// <summary>The next command, or <see langword="null"/> when the parent is gone.</summary>
    ValueTask<string?> ReadCommandAsync(CancellationToken cancellationToken);

    /// <summary>Sends one reply line.</summary>
    ValueTask ReplyAsync(string line);
}
