using System.Threading.Channels;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// The control path to a receiver that runs on a task in this process (an in-process transport): the same
/// commands and replies as with a child process, carried by two in-memory queues.
/// </summary>
public sealed class InProcessPeer : IPeerControl
{
    private readonly Channel<string> _commands = Channel.CreateUnbounded<string>();
    private readonly Channel<string> _replies = Channel.CreateUnbounded<string>();
    private readonly Task _loop;

    private InProcessPeer(IPairReceiver receiver) => _loop = Task.Run(() => PairChild.RunAsync(receiver, new Control(this), CancellationToken.None));

    /// <inheritdoc/>
    public bool IsSeparateProcess => false;

    /// <summary>Runs the receiving loop for <paramref name="receiver"/> on a task.</summary>
    public static InProcessPeer Start(IPairReceiver receiver) => new(receiver);

    /// <inheritdoc/>
    public void Abort()
    {
        _commands.Writer.TryComplete();
        _replies.Writer.TryComplete();
    }

    /// <inheritdoc/>
    public ValueTask SendAsync(string line) => _commands.Writer.WriteAsync(line);

    /// <inheritdoc/>
    public async ValueTask<string> ReadReplyAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        string reply;
        try
        {
            reply = await _replies.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"in-process receiver sent no reply within {timeout.TotalSeconds:0} s");
        }
        catch (ChannelClosedException)
        {
            await _loop.ConfigureAwait(false);
            throw new InvalidOperationException("in-process receiver ended before replying");
        }

        if (reply.StartsWith("error ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"in-process receiver failed: {reply[6..]}");
        }

        return reply;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _commands.Writer.TryComplete();
        await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(3))).ConfigureAwait(false);
    }

    private sealed class Control(InProcessPeer owner) : IChildControl
    {
        public async ValueTask<string?> ReadCommandAsync(CancellationToken cancellationToken)
        {
            if (await owner._commands.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && owner._commands.Reader.TryRead(out string? line))
            {
                return line;
            }

            owner._replies.Writer.TryComplete();
            return null;
        }

        public ValueTask ReplyAsync(string line) => owner._replies.Writer.WriteAsync(line);
    }
}
