using NATS.Client.Core;
using Delivery = Channels.Nats.Queues.PullGetters.Delivery;

namespace Channels.Nats.Queues;

/// <summary>
/// Acknowledges the messages a process got, through the failure of a cluster node.
/// </summary>
/// <remarks>
/// <para>
/// JetStream (2.9) confirms an acknowledgement as soon as the consumer's leader has taken it, before its replicas
/// agree on it: if the leader dies then, the acknowledgement is lost with it and the new leader delivers the message
/// again after the ack wait, although the confirmation came. And a confirmation can be lost although the
/// acknowledgement landed. Neither the confirmation nor its absence settles anything, so a plain queue's get asks
/// the stream instead (<see cref="ClaimAsync"/>): a work-queue stream removes a message once its acknowledgement is
/// agreed on, and until the ack wait has passed since the delivery no other getter can have had the message, so a
/// removal seen by then was this getter's acknowledgement, for good.
/// </para>
/// <para>
/// The ack wait is measured by the server from the delivery, this side from the arrival: a claim assumes a message
/// reaches the getter within a fifth of the ack wait (6 s of the 30 s that plain queues use), and settles by three
/// quarters of it.
/// </para>
/// </remarks>
internal sealed class DeliveryAcks(PullGetters getters, StoredMessageProbe probe, Func<bool> isConnected, TimeSpan ackWait)
{
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(1);
    private const int ResendAckMs = 1000;
    private const int RetryPauseMs = 100;
    private const int MaxCheckPauseMs = 100;

    private readonly long _ackWaitMs = (long)ackWait.TotalMilliseconds;

    /// <summary>
    /// Makes a plain queue's message this getter's for good: acknowledges it (again while unconfirmed) until half the
    /// ack wait has passed since it arrived, and asks the stream whether it still holds it until three quarters have:
    /// true once the stream no longer has it (the acknowledgement was agreed on before any other getter could have
    /// had the message); false when that was not seen in time, and the message is delivered again after the ack wait.
    /// </summary>
    public async ValueTask<bool> ClaimAsync(Delivery delivery)
    {
        if (!AckSubject.TryGetStreamSequence(delivery.Message.ReplyTo, out ulong sequence))
            throw new InvalidOperationException($"A JetStream delivery on '{delivery.Message.Subject}' has no acknowledgement subject ('{delivery.Message.ReplyTo}').");
        long ackUntil = delivery.ReceivedAt + _ackWaitMs / 2;
        long checkUntil = delivery.ReceivedAt + _ackWaitMs * 3 / 4;
        long nextAck = 0;
        int pause = 1;
        while (true)
        {
            long now = Environment.TickCount64;
            if (now >= checkUntil)
                return false;
            if (!isConnected())
            {
                // A request now would wait in the client's buffer and reach the server at some later time.
                await Task.Delay(RetryPauseMs).ConfigureAwait(false);
                continue;
            }
            if (now < ackUntil && now >= nextAck)
                nextAck = Environment.TickCount64 + (await TryAckAsync(delivery.Message).ConfigureAwait(false) ? ResendAckMs : RetryPauseMs);
            bool? stored;
            using (var bounded = new CancellationTokenSource(s_callTimeout))
                stored = await probe.IsStoredAsync(sequence, bounded.Token).ConfigureAwait(false);
            if (stored == false)
                return true;
            // Usually the replicas agree within milliseconds of the confirmation.
            await Task.Delay(pause).ConfigureAwait(false);
            pause = Math.Min(pause * 2, MaxCheckPauseMs);
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
