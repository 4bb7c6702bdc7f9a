namespace Channels.Benchmarks.SideBySide;

/// <summary>The child's end of a process pair: it counts what arrives and echoes pings.</summary>
public interface IPairReceiver : IAsyncDisposable
{
    /// <summary>Receives and decodes exactly <paramref name="count"/> messages of the case; returns a checksum so no decode is optimized away.</summary>
    ValueTask<long> ReceiveAsync(CaseKind kind, int count, CancellationToken cancellationToken);

    /// <summary>Echoes <paramref name="count"/> pings.</summary>
    ValueTask EchoAsync(int count, CancellationToken cancellationToken);
}
