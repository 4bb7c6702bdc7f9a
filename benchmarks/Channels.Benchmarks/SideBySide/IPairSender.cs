namespace Channels.Benchmarks.SideBySide;

/// <summary>The parent's end of a process pair: it sends, and it times round trips.</summary>
public interface IPairSender : IAsyncDisposable
{
    /// <summary>Sends <paramref name="count"/> messages of the case (cycling through <see cref="Messages.Payloads"/>) and flushes.</summary>
    ValueTask SendAsync(CaseKind kind, int count, CancellationToken cancellationToken);

    /// <summary>Sends a ping and waits for its echo <paramref name="latencies"/>.Length times, storing each round trip in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    ValueTask PingPongAsync(long[] latencies, CancellationToken cancellationToken);
}
