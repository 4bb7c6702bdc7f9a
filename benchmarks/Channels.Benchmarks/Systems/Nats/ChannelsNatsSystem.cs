using System.Globalization;
using System.Security.Cryptography;
using Channels.Benchmarks.SideBySide;
using Channels.Benchmarks.Systems.ChannelsLink;

namespace Channels.Benchmarks.Systems.Nats;

/// <summary>
/// Channels between this process and a child over the runner's local nats-server: the same <see cref="IBenchLink"/>
/// contract and the same sender and receiver loops as the Unix-socket system, only the endpoint is
/// <c>nats://127.0.0.1:PORT/name</c>. Measured in the small-record case (issue 12's target).
/// </summary>
public sealed class ChannelsNatsSystem : ProcessPairSystem
{
    private const string KeyVariable = "CHANNELS_BENCH_NATS_KEY";
    private static readonly string ParentKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <inheritdoc/>
    public override string Id => "channels-nats";

    /// <inheritdoc/>
    public override string DisplayName => SystemNames.ChannelsNats;

    /// <inheritdoc/>
    public override string? Unavailable => BenchNatsServer.Unavailable;

    /// <inheritdoc/>
    protected override IReadOnlyDictionary<string, string>? ChildEnvironment => new Dictionary<string, string> { [KeyVariable] = ParentKey };

    /// <inheritdoc/>
    public override bool Supports(CaseKind kind) => kind == CaseKind.Small;

    /// <inheritdoc/>
    protected override string AddressFor(string workDirectory)
        => BenchNatsServer.Endpoint(string.Create(CultureInfo.InvariantCulture, $"bench-{Environment.ProcessId}-link"));

    /// <inheritdoc/>
    protected override Task<Func<CancellationToken, Task<IPairSender>>> ListenAsync(string socketPath, CancellationToken cancellationToken)
    {
        ChannelListener<IBenchLink> listener = IBenchLink.Listen(socketPath, Options(ParentKey));
        return Task.FromResult<Func<CancellationToken, Task<IPairSender>>>(async token =>
        {
            await using (listener.ConfigureAwait(false))
            {
                return new ChannelsSender(await listener.AcceptAsync(token).ConfigureAwait(false));
            }
        });
    }

    /// <inheritdoc/>
    public override async Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken)
    {
        string key = Environment.GetEnvironmentVariable(KeyVariable) ?? throw new InvalidOperationException($"the child has no {KeyVariable}");
        return new ChannelsReceiver(await IBenchLink.Peer.ConnectAsync(address, Options(key), cancellationToken).ConfigureAwait(false));
    }

    private static ChannelOptions Options(string hexKey) => new() { Key = Convert.FromHexString(hexKey) };
}
