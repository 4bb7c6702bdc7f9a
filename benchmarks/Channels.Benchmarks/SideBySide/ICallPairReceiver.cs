namespace Channels.Benchmarks.SideBySide;

/// <summary>A receiving end that also serves a request/response call lane.</summary>
public interface ICallPairReceiver
{
    /// <summary>Answers <paramref name="count"/> calls, each with its own request.</summary>
    ValueTask ServeCallsAsync(int count, CancellationToken cancellationToken);
}
