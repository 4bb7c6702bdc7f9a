using System.Diagnostics;
using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Channels.Nats.Queues;

/// <summary>
/// The puts of a bounded queue whose stream has replicas: the capacity is kept by this process, not by the stream's
/// <c>MaxMsgs</c>. Each publication expects the stream's last sequence (<c>Nats-Expected-Last-Sequence</c>), and is
/// sent only when that sequence is at most the <em>ceiling</em>: the stream's last sequence plus the room (capacity
/// minus count) that some earlier reading of the stream's state found.
/// </summary>
/// <remarks>
/// <para>
/// Why not <c>MaxMsgs</c> with discard-new: nats-server 2.9 checks that limit on every replica as it applies the
/// stream's log, against the replica's own count; but the count also falls when acknowledgements delete messages,
/// and those come through the consumer's own raft group, at a different moment on each replica. So replicas disagree
/// about which publications fit: the leader acknowledges a put that a follower dropped, and once that follower leads,
/// the item is gone (nats-server issue 4247 reports it on a 2.9.16 cluster). The last
/// sequence, unlike the count, moves only through the stream's own log, so every replica judges an expectation alike.
/// </para>
/// <para>
/// Why the bound holds: a reading of the state gives a count <c>C</c> at last sequence <c>L</c> in one snapshot; the
/// count there is never below the number of items really in the queue then (a replica deletes a message only once its
/// acknowledgement is agreed on). After it, only publications add items, one per sequence; so when a publication is
/// stored at sequence <c>S</c> the queue holds at most <c>C + (S - L)</c> items, at most the capacity when
/// <c>S &lt;= L + Capacity - C</c>, the ceiling. A publication is stored only at the sequence it expects, or not at
/// all, whichever process sent it, whenever its answer comes, and through a leader change; the ceiling of every
/// reading is valid, so the highest one is kept. Other processes' puts take sequences too: a publication that meets
/// one is refused ("wrong last sequence", which names the stream's last sequence) and tried again.
/// </para>
/// <para>
/// Cost: one put round at a time per queue and process, of up to <see cref="MaxRound"/> waiting puts, published
/// back to back with consecutive expectations (one round trip for all of them), so contention is between processes,
/// not between the puts of one. The state is read only when the ceiling is reached: a queue whose getters keep up
/// costs one publication per put; a full one costs a reading per round.
/// </para>
/// </remarks>
[DebuggerDisplay("Sequenced puts of {_stream}: last {_last}, ceiling {_ceiling}")]
internal sealed class SequencedPuts
{
    /// <summary>What became of a put.</summary>
    public enum Outcome
    {
        /// <summary>Stored (or a duplicate of a stored publication of its message id).</summary>
        Stored,

        /// <summary>Not stored by this attempt: the queue is full, or the cluster did not take it now.</summary>
        NotStored,

        /// <summary>No answer, or an answer that does not tell: it may have been stored.</summary>
        Unknown,
    }

    /// <summary>JetStream's error code for "wrong last sequence".</summary>
    private const int WrongLastSequence = 10071;

    /// <summary>JetStream's error code for "maximum messages exceeded" (a stream made by an earlier version, with <c>MaxMsgs</c>).</summary>
    private const int MaxMessagesExceeded = 10077;

    /// <summary>The most puts published in one round.</summary>
    private const int MaxRound = 64;

    /// <summary>How long a put that keeps losing to other processes' puts is tried again before it reports "not stored".</summary>
    private static readonly TimeSpan s_raceFor = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan s_operationTimeout = TimeSpan.FromSeconds(1);

    private readonly NatsJSContext _js;
    private readonly string _stream;
    private readonly string _subject;
    private readonly int _capacity;
    private readonly Lock _lock = new();
    private readonly List<Put> _waiting = [];
    private bool _running;

    // The round loop's own (one round at a time): the stream's last sequence as last seen, and the ceiling.
    private ulong _last;
    private ulong _ceiling;
    private bool _lastKnown;
    private long _races;

    /// <param name="js">The JetStream context.</param>
    /// <param name="stream">The items stream.</param>
    /// <param name="subject">Its subject.</param>
    /// <param name="capacity">The most items in the queue (above 0).</param>
    public SequencedPuts(NatsJSContext js, string stream, string subject, int capacity)
    {
        Debug.Assert(capacity > 0);
        _js = js;
        _stream = stream;
        _subject = subject;
        _capacity = capacity;
    }

    /// <summary>Publications refused because another put took their sequence first (for tests and diagnostics).</summary>
    public long Races => Interlocked.Read(ref _races);

    /// <summary>Puts <paramref name="item"/> under message id <paramref name="id"/> if the queue has room.</summary>
    /// <exception cref="IOException">The server refused the item for a reason other than room or availability.</exception>
    public Task<Outcome> PutAsync(ReadOnlyMemory<byte> item, string id)
    {
        var put = new Put(item, id);
        bool start;
        lock (_lock)
        {
            _waiting.Add(put);
            start = !_running;
            _running = true;
        }
        if (start)
            _ = Task.Run(RunAsync);
        return put.Done.Task;
    }

    /// <summary>Rounds until no put waits; only one runs at a time.</summary>
    private async Task RunAsync()
    {
        while (true)
        {
            Put[] round;
            lock (_lock)
            {
                if (_waiting.Count == 0)
                {
                    _running = false;
                    return;
                }
                round = _waiting.GetRange(0, Math.Min(MaxRound, _waiting.Count)).ToArray();
                _waiting.RemoveRange(0, round.Length);
            }
            try
            {
                await RoundAsync(round).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Not expected (every answer is judged below); the puts left hanging must still end.
                _lastKnown = false;
                foreach (Put put in round)
                    put.Done.TrySetException(ex);
            }
        }
    }

    /// <summary>One round: the ceiling checked (the state read if it was reached), then the puts that fit published back to back.</summary>
    private async Task RoundAsync(Put[] round)
    {
        bool fresh = false;
        if (!_lastKnown || _last >= _ceiling)
        {
            if (!await ReadStateAsync().ConfigureAwait(false))
            {
                foreach (Put put in round)
                    put.Done.TrySetResult(Outcome.NotStored);
                return;
            }
            fresh = true;
        }
        int room = (int)Math.Min((ulong)round.Length, _ceiling > _last ? _ceiling - _last : 0);
        if (room < round.Length)
        {
            if (fresh)
            {
                // Read just now: the queue is full for these.
                for (int i = room; i < round.Length; i++)
                    round[i].Done.TrySetResult(Outcome.NotStored);
            }
            else
            {
                // Only the ceiling known before is reached: the next round reads the state again.
                Requeue(round.AsSpan(room));
            }
        }
        if (room == 0)
            return;

        using var bounded = new CancellationTokenSource(s_operationTimeout);
        var answers = new Task<PubAckResponse>[room];
        for (int i = 0; i < room; i++)
        {
            var headers = new NatsHeaders
            {
                ["Nats-Msg-Id"] = round[i].Id,
                ["Nats-Expected-Last-Sequence"] = (_last + (ulong)i).ToString(CultureInfo.InvariantCulture),
            };
            // Started in order without waiting, so that they leave on the connection in order: each expects its
            // predecessor stored.
            answers[i] = _js.PublishAsync(_subject, round[i].Item, headers: headers, cancellationToken: bounded.Token).AsTask();
        }

        ulong seen = _last;
        bool known = true;
        List<Put>? again = null;
        for (int i = 0; i < room; i++)
        {
            Put put = round[i];
            ApiError? error;
            try
            {
                PubAckResponse ack = await answers[i].ConfigureAwait(false);
                error = ack.Error;
                if (error is null)
                {
                    seen = Math.Max(seen, ack.Seq);
                    // A duplicate of sequence 0: the id's first publication is proposed, not stored (see JetStreamQueue).
                    put.Done.TrySetResult(ack.Duplicate && ack.Seq == 0 ? Outcome.Unknown : Outcome.Stored);
                    continue;
                }
            }
            catch (NatsJSApiException ex)
            {
                error = ex.Error;
            }
            catch (Exception ex) when (JetStreamQueue.IsServerAway(ex))
            {
                known = false;
                put.Done.TrySetResult(Outcome.Unknown);
                continue;
            }
            catch (Exception ex)
            {
                known = false;
                put.Done.TrySetException(ex);
                continue;
            }
            if (error.ErrCode == WrongLastSequence)
            {
                Interlocked.Increment(ref _races);
                if (TryParseLast(error.Description, out ulong last))
                    seen = Math.Max(seen, last);
                else
                    known = false;
                if (Environment.TickCount64 - put.Since < (long)s_raceFor.TotalMilliseconds)
                    (again ??= []).Add(put);
                else
                    put.Done.TrySetResult(Outcome.NotStored);
            }
            else if (error.ErrCode == MaxMessagesExceeded || error.Code is 503 or 408 or 504)
            {
                known = false;
                put.Done.TrySetResult(Outcome.NotStored);
            }
            else
            {
                put.Done.TrySetException(new IOException($"Stream '{_stream}': the server refused a put: {error.Description} (code {error.ErrCode})."));
            }
        }
        _last = seen;
        _lastKnown = known;
        if (again is not null)
            Requeue(again.ToArray());
    }

    /// <summary>Puts back at the head of the line, in their order.</summary>
    private void Requeue(ReadOnlySpan<Put> puts)
    {
        lock (_lock)
            _waiting.InsertRange(0, puts.ToArray());
    }

    /// <summary>Reads the stream's count and last sequence (one snapshot) and raises the ceiling; false when the server did not answer.</summary>
    private async ValueTask<bool> ReadStateAsync()
    {
        try
        {
            using var bounded = new CancellationTokenSource(s_operationTimeout);
            INatsJSStream stream = await _js.GetStreamAsync(_stream, cancellationToken: bounded.Token).ConfigureAwait(false);
            StreamState state = stream.Info.State;
            ulong count = (ulong)Math.Max(0, state.Messages);
            ulong ceiling = count >= (ulong)_capacity ? state.LastSeq : state.LastSeq + ((ulong)_capacity - count);
            _last = state.LastSeq;
            _ceiling = Math.Max(_ceiling, ceiling);
            _lastKnown = true;
            return true;
        }
        catch (Exception ex) when (JetStreamQueue.IsServerAway(ex))
        {
            _lastKnown = false;
            return false;
        }
    }

    /// <summary>The last sequence a "wrong last sequence: N" answer names.</summary>
    internal static bool TryParseLast(string? description, out ulong last)
    {
        last = 0;
        int colon = description?.LastIndexOf(':') ?? -1;
        return colon >= 0 && ulong.TryParse(description.AsSpan(colon + 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out last);
    }

    /// <summary>A put waiting for its round.</summary>
    private sealed class Put(ReadOnlyMemory<byte> item, string id)
    {
        public readonly ReadOnlyMemory<byte> Item = item;
        public readonly string Id = id;
        public readonly long Since = Environment.TickCount64;
        public readonly TaskCompletionSource<Outcome> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
