using NATS.Client.Core;
using Delivery = Channels.Nats.Queues.PullGetters.Delivery;

namespace Channels.Nats.Queues;

/// <summary>
/// Settles the messages a process got, through the failure of a cluster node: a plain queue's get claims its message
/// (<see cref="ClaimAsync"/>), a redelivery queue's TaskDone acknowledges it (<see cref="SettleAsync"/>).
/// </summary>
/// <remarks>
/// An acknowledgement cannot make a plain queue's item one getter's. JetStream (2.9) confirms it as soon as the
/// consumer's leader has taken it, before its replicas agree: if the leader dies then, the acknowledgement is lost
/// and the item is delivered again. And the leader records a delivery in its replicas only after sending it: a new
/// leader may give an item to a second getter at once, not knowing the first has it, and then the first getter's
/// acknowledgement, taken by the new leader, removes the item just as the second's does. So each get claims its item
/// in the queue's claims stream (<see cref="ClaimLedger"/>), which takes one claim per item, and only the get whose
/// claim was taken returns the item.
/// </remarks>
internal sealed class DeliveryAcks(PullGetters getters, ClaimLedger claims, Func<bool> isConnected, TimeSpan ackWait)
{
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(1);
    private const int RetryPauseMs = 100;

    private readonly long _ackWaitMs = (long)ackWait.TotalMilliseconds;
    private readonly string _ownerPrefix = Guid.NewGuid().ToString("N") + "-";
    private long _claims;

    /// <summary>
    /// Claims a plain queue's message for this get: <see cref="ClaimOutcome.Mine"/> when this get's claim was taken,
    /// otherwise whether another get claimed this copy (it was delivered twice) or another stored copy of the same
    /// put. Tried again until the claims stream answers: a claim whose answer was lost may have been taken, and then no
    /// other get can return the item, so giving up could lose it. Either way the message is acknowledged afterwards,
    /// so that it leaves the queue.
    /// </summary>
    /// <exception cref="OperationCanceledException">The queue is being disposed.</exception>
    public async ValueTask<ClaimOutcome> ClaimAsync(Delivery delivery, ulong sequence, CancellationToken stopping)
    {
        string key = ClaimLedger.Key(delivery.Message.Headers?.TryGetValue("Nats-Msg-Id", out var id) == true ? id.ToString() : null, sequence);
        string owner = _ownerPrefix + Interlocked.Increment(ref _claims).ToString(System.Globalization.CultureInfo.InvariantCulture);
        while (true)
        {
            stopping.ThrowIfCancellationRequested();
            if (isConnected())
            {
                ClaimOutcome? outcome;
                using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    bounded.CancelAfter(s_callTimeout);
                    outcome = await claims.TryClaimAsync(key, sequence, owner, bounded.Token).ConfigureAwait(false);
                }
                if (outcome is { } settled)
                {
                    await TryPublishAckAsync(delivery.Message).ConfigureAwait(false);
                    return settled;
                }
            }
            // No answer (or no connection: a request now would wait in the client's buffer): ask again shortly.
            await Task.Delay(RetryPauseMs, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Acknowledges a redelivery queue's message (TaskDone), with the server's confirmation, again while unconfirmed
    /// until the ack wait has passed since it arrived: after that the server delivers it again anyway (at least once).
    /// </summary>
    public async ValueTask SettleAsync(Delivery delivery)
    {
        long until = delivery.ReceivedAt + _ackWaitMs;
        while (true)
        {
            if (isConnected() && await TryAckAsync(delivery.Message).ConfigureAwait(false))
                return;
            if (Environment.TickCount64 >= until)
                return;
            await Task.Delay(RetryPauseMs).ConfigureAwait(false);
        }
    }

    private async ValueTask TryPublishAckAsync(NatsMsg<NatsMemoryOwner<byte>> message)
    {
        try
        {
            using var bounded = new CancellationTokenSource(s_callTimeout);
            await getters.PublishAckAsync(message, bounded.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException)
        {
            // Sent again shortly if the stream still has the message.
        }
    }

    private async ValueTask<bool> TryAckAsync(NatsMsg<NatsMemoryOwner<byte>> message)
    {
        try
        {
            using var bounded = new CancellationTokenSource(s_callTimeout);
            await getters.AckAsync(message, bounded.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is NatsException or TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }
}
