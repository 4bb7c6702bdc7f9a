namespace Channels.Benchmarks.SideBySide;

/// <summary>A parent's end that also has a request/response call lane to the receiving end.</summary>
public interface ICallPairSender
{
    /// <summary>Makes <paramref name="latencies"/>.Length calls one after another, storing each round trip in <see cref="System.Diagnostics.Stopwatch"/> ticks; throws if an answer is not the request's echo.</summary>
    ValueTask CallRoundTripsAsync(long[] latencies, CancellationToken cancellationToken);
}
