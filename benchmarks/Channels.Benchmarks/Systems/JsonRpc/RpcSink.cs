using Channels.Benchmarks.Messages;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.JsonRpc;

/// <summary>
/// The child's JSON-RPC target: counts notifications (which may be dispatched off the reading thread, hence the
/// lock) and lets the receiver wait until a round's count has arrived.
/// </summary>
public sealed class RpcSink
{
    private readonly Lock _gate = new();
    private long _received;
    private long _checksum;
    private long _waitFor = long.MaxValue;
    private TaskCompletionSource? _arrived;

    /// <summary>Notification: one small record.</summary>
    public void Small(SmallRecord message) => Add(Checksums.Of(message));

    /// <summary>Notification: one struct.</summary>
    public void Struct(Struct32 message) => Add(Checksums.Of(in message));

    /// <summary>Notification: one byte payload.</summary>
    public void Bytes(byte[] message) => Add(Checksums.Of(message));

    /// <summary>Invocation: returns the ping.</summary>
    public SmallRecord Echo(SmallRecord message) => message;

    /// <summary>Waits until <paramref name="total"/> messages have arrived since the start; returns the checksum so far.</summary>
    public async ValueTask<long> WaitForAsync(long total, CancellationToken cancellationToken)
    {
        TaskCompletionSource arrived;
        lock (_gate)
        {
            if (_received >= total)
            {
                return _checksum;
            }

            arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _arrived = arrived;
            _waitFor = total;
        }

        await arrived.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            return _checksum;
        }
    }

    private void Add(long checksum)
    {
        TaskCompletionSource? arrived = null;
        lock (_gate)
        {
            _received++;
            _checksum += checksum;
            if (_received >= _waitFor)
            {
                arrived = _arrived;
                _arrived = null;
                _waitFor = long.MaxValue;
            }
        }

        arrived?.TrySetResult();
    }
}
