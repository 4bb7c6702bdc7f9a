using System.Text;
using Channels.Nats.Queues;
using Channels.Nats.Tests.Infrastructure;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Channels.Nats.Tests.Queues;

/// <summary>The parts the queue engine settles puts and gets with: message ids of retried puts, acknowledgement subjects, the stream's answer.</summary>
public sealed class SettlementPartsTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static readonly byte[] s_a = [1, 2, 3];
    private static readonly byte[] s_b = [1, 2, 4];

    [Fact]
    public void A_retried_put_reuses_the_id_of_its_unknown_outcome_and_a_new_put_gets_a_new_id()
    {
        var puts = new RetriedPuts(TimeSpan.FromMinutes(2));
        string first = puts.Claim(s_a, out bool retried);
        Assert.False(retried);
        puts.Unknown(first, s_a);
        Assert.NotEqual(first, puts.Claim(s_b, out _));
        Assert.Equal(first, puts.Claim(s_a, out retried));
        Assert.True(retried);
        // Claimed: a concurrent put of equal bytes is another item, with its own id.
        Assert.NotEqual(first, puts.Claim(s_a, out _));
        puts.Settle(first);
        Assert.NotEqual(first, puts.Claim(s_a, out _));
    }

    [Fact]
    public void Equal_items_each_keep_an_id_of_their_own()
    {
        var puts = new RetriedPuts(TimeSpan.FromMinutes(2));
        string one = puts.Claim(s_a, out _);
        string two = puts.Claim(s_a, out _);
        Assert.NotEqual(one, two);
        puts.Unknown(one, s_a);
        puts.Unknown(two, s_a);
        var again = new HashSet<string> { puts.Claim(s_a, out _), puts.Claim(s_a, out _) };
        Assert.Equal([one, two], again.Order());
        Assert.DoesNotContain(puts.Claim(s_a, out _), again);
    }

    [Fact]
    public void An_id_older_than_half_the_duplicate_window_is_not_reused()
    {
        var puts = new RetriedPuts(TimeSpan.FromMilliseconds(100));
        string first = puts.Claim(s_a, out _);
        puts.Unknown(first, s_a);
        Thread.Sleep(200);
        Assert.NotEqual(first, puts.Claim(s_a, out _));
    }

    [Theory]
    [InlineData("$JS.ACK.CHN_q_Items.getters.1.42.40.1700000000000000000.3", 42UL)]
    [InlineData("$JS.ACK.hub.ACCHASH.CHN_q_Items.getters.2.7.9.1700000000000000000.0.rnd", 7UL)]
    public void The_stream_sequence_is_read_from_an_acknowledgement_subject(string subject, ulong expected)
    {
        Assert.True(AckSubject.TryGetStreamSequence(subject, out ulong sequence));
        Assert.Equal(expected, sequence);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("_INBOX.abc")]
    [InlineData("$JS.ACK.")]
    [InlineData("$JS.ACK.s.c.1.x.40.17.3")]
    [InlineData("$JS.ACK.s.c.1.-4.40.17.3")]
    [InlineData("$JS.ACK.s.c.1.0.40.17.3")]
    [InlineData("$JS.ACK.s.c.1.99999999999999999999999.40.17.3")]
    [InlineData("$JS.ACK.s.c.1.42.40.17")]
    [InlineData("$JS.ACK.s.c.1.42.40.17.3.4")]
    public void A_subject_that_is_no_acknowledgement_subject_gives_no_sequence(string? subject)
        => Assert.False(AckSubject.TryGetStreamSequence(subject, out _));

    [Theory]
    [InlineData("{\"type\":\"io.nats.jetstream.api.v1.stream_msg_get_response\",\"message\":{\"subject\":\"s.4\",\"seq\":4,\"data\":\"Z2V0LTc=\",\"time\":\"2026-12-01T00:00:00Z\"}}", "get-7")]
    [InlineData("{\"message\":{\"data\":\"\"}}", "")]
    [InlineData("{\"type\":\"t\",\"error\":{\"code\":404,\"err_code\":10037,\"description\":\"no message found\"}}", null)]
    [InlineData("{\"message\":{\"seq\":4}}", null)]
    [InlineData("{\"message\":{\"data\":\"not base64!\"}}", null)]
    [InlineData("{\"message\":{\"data\":5}}", null)]
    [InlineData("{\"message\":7}", null)]
    [InlineData("{\"message\":{\"data\":", null)]
    [InlineData("[]", null)]
    [InlineData("", null)]
    [InlineData("not json", null)]
    public void The_owner_of_a_claim_is_read_from_the_streams_answer(string answer, string? expected)
        => Assert.Equal(expected, ClaimLedger.Owner(Encoding.UTF8.GetBytes(answer)));

    [Fact]
    public async Task The_first_claim_of_a_put_wins_and_its_owner_is_told_again_when_it_asks_again()
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = fixture.Server.Url });
        var js = new NatsJSContext(connection);
        var streams = QueueStreams.For(TestKeys.NewName("claims"), "Items");
        await js.CreateStreamAsync(ClaimLedger.Config(streams.Claims, streams.ClaimsSubject, "claims test", replicas: 1));
        var ledger = new ClaimLedger(js, connection, streams.Claims, streams.ClaimsSubject, replicated: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        Assert.Equal(ClaimOutcome.Mine, await ledger.TryClaimAsync("pput-1", 5, "get-a", timeout.Token));
        Assert.Equal(ClaimOutcome.Another, await ledger.TryClaimAsync("pput-1", 5, "get-b", timeout.Token));
        // An owner whose answer was lost asks again: the claim is still its own.
        Assert.Equal(ClaimOutcome.Mine, await ledger.TryClaimAsync("pput-1", 5, "get-a", timeout.Token));
        // The same put stored a second time (sequence 9): that copy is another get's put, and says so.
        Assert.Equal(ClaimOutcome.AnotherCopy, await ledger.TryClaimAsync("pput-1", 9, "get-c", timeout.Token));
        Assert.Equal(ClaimOutcome.Mine, await ledger.TryClaimAsync("pput-2", 6, "get-b", timeout.Token));
        Assert.Equal(ClaimOutcome.Another, await ledger.TryClaimAsync("pput-2", 6, "get-a", timeout.Token));
    }

    [Fact]
    public async Task When_two_claims_were_both_taken_the_first_in_the_streams_order_wins()
    {
        // A 2.9 cluster checks a claim's expectation only against what its leader has stored, so two gets claiming
        // at once can both be taken (seen as an item got twice in a cluster run). Made here by storing both claims.
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = fixture.Server.Url });
        var js = new NatsJSContext(connection);
        var streams = QueueStreams.For(TestKeys.NewName("claims"), "Items");
        await js.CreateStreamAsync(ClaimLedger.Config(streams.Claims, streams.ClaimsSubject, "claims test", replicas: 1));
        var ledger = new ClaimLedger(js, connection, streams.Claims, streams.ClaimsSubject, replicated: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        (await js.PublishAsync(streams.ClaimsSubject + ".pput-3", Encoding.UTF8.GetBytes("get-a 5"))).EnsureSuccess();
        (await js.PublishAsync(streams.ClaimsSubject + ".pput-3", Encoding.UTF8.GetBytes("get-b 5"))).EnsureSuccess();

        Assert.Equal(ClaimOutcome.Another, await ledger.TryClaimAsync("pput-3", 5, "get-b", timeout.Token));
        Assert.Equal(ClaimOutcome.Mine, await ledger.TryClaimAsync("pput-3", 5, "get-a", timeout.Token));
    }

    [Theory]
    [InlineData("0123abcd-17", 5UL, "p0123abcd-17")]
    [InlineData(null, 5UL, "s5")]
    [InlineData("", 5UL, "s5")]
    [InlineData("a.b", 5UL, "s5")]
    [InlineData("a*", 5UL, "s5")]
    [InlineData("a>", 5UL, "s5")]
    [InlineData("a b", 5UL, "s5")]
    [InlineData("é", 5UL, "s5")]
    public void A_claim_is_keyed_by_the_puts_message_id_when_it_is_one_plain_subject_token(string? id, ulong sequence, string expected)
        => Assert.Equal(expected, ClaimLedger.Key(id, sequence));

    [Fact]
    public void A_claim_that_is_too_long_to_be_a_put_id_is_keyed_by_the_sequence()
        => Assert.Equal("s3", ClaimLedger.Key(new string('a', 129), 3));

    [Theory]
    [InlineData("get-a 5", "get-a 5", 5UL, "Mine")]
    [InlineData("get-b 5", "get-a 5", 5UL, "Another")]
    [InlineData("get-b 9", "get-a 5", 5UL, "AnotherCopy")]
    [InlineData("get-b", "get-a 5", 5UL, "Another")]
    [InlineData("get-b x", "get-a 5", 5UL, "Another")]
    [InlineData("get-b -9", "get-a 5", 5UL, "Another")]
    [InlineData("", "get-a 5", 5UL, "Another")]
    public void A_claim_found_taken_is_judged_by_its_owner_and_copy(string taken, string claim, ulong sequence, string expected)
        => Assert.Equal(expected, ClaimLedger.Judge(taken, claim, sequence).ToString());
}
