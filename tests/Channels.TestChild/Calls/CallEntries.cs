using Channels;

namespace Channels.TestChild.Calls;

/// <summary>The callee of the call tests.</summary>
public static class CallEntries
{
    /// <summary>Serves all lanes of <see cref="ICalls"/>: squares are answered <paramref name="batch"/> at a time in shuffled order.</summary>
    [ChildEntry]
    public static async Task Serve(ICalls.Peer parent, int batch, CancellationToken cancellationToken)
    {
        Task squares = AnswerInRandomOrderAsync(parent.Square, batch, cancellationToken);
        Task waits = parent.Wait.ServeAsync(async (request, token) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                await parent.Cancelled.WriteAsync(request, CancellationToken.None);
                throw;
            }
            return request;
        }, cancellationToken: cancellationToken);
        Task failures = parent.Fail.ServeAsync(static message => throw new InvalidDataException(message), cancellationToken);
        await Task.WhenAll(squares, waits, failures);
    }

    private static async Task AnswerInRandomOrderAsync(ChannelCallServer<int, long> server, int batch, CancellationToken cancellationToken)
    {
        var held = new List<IncomingCall<int, long>>(batch);
        await foreach (IncomingCall<int, long> call in server.ReadAllAsync(cancellationToken))
        {
            held.Add(call);
            if (held.Count < batch)
                continue;
            IncomingCall<int, long>[] shuffled = [.. held];
            Random.Shared.Shuffle(shuffled);
            foreach (IncomingCall<int, long> answer in shuffled)
                await answer.ReplyAsync((long)answer.Request * answer.Request);
            held.Clear();
        }
    }
}
