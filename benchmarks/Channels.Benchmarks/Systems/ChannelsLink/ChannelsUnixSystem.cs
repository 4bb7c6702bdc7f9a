using System.Security.Cryptography;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.ChannelsLink;

/// <summary>
/// Channels between this process and a child, over its Unix domain socket transport or over shared memory
/// negotiated on that socket: the parent listens at an explicit <c>unix:</c> path with a fresh key, the child
/// connects with the key handed over in its environment.
/// </summary>
/// <param name="id">The command-line id.</param>
/// <param name="displayName">The table name.</param>
/// <param name="laneWindowMessages">The receive window of each lane (both ends), in messages.</param>
/// <param name="laneWindowBytes">The receive window of each lane (both ends), in bytes.</param>
/// <param name="sharedMemory">Whether the link moves to shared memory after the handshake (else it stays on the socket).</param>
/// <param name="wait">How the shared-memory ends wait.</param>
public class ChannelsUnixSystem(string id, string displayName, int laneWindowMessages, int laneWindowBytes, bool sharedMemory = false, SharedMemoryWait wait = SharedMemoryWait.SpinThenPark) : ProcessPairSystem
{
    private const string KeyVariable = "CHANNELS_BENCH_KEY";
    private static readonly string ParentKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <inheritdoc/>
    public override string Id => id;

    /// <inheritdoc/>
    public override string DisplayName => displayName;

    /// <inheritdoc/>
    public override bool Supports(CaseKind kind) => kind == CaseKind.CallRoundTrip || base.Supports(kind);

    /// <inheritdoc/>
    protected override IReadOnlyDictionary<string, string>? ChildEnvironment => new Dictionary<string, string> { [KeyVariable] = ParentKey };

    /// <inheritdoc/>
    protected override Task<Func<CancellationToken, Task<IPairSender>>> ListenAsync(string socketPath, CancellationToken cancellationToken)
    {
        ChannelListener<IBenchLink> listener = IBenchLink.Listen("unix:" + socketPath, Options(ParentKey));
        return Task.FromResult<Func<CancellationToken, Task<IPairSender>>>(async token =>
        {
            await using (listener.ConfigureAwait(false))
            {
                IBenchLink link = await listener.AcceptAsync(token).ConfigureAwait(false);
                return new ChannelsSender(link);
            }
        });
    }

    /// <inheritdoc/>
    public override async Task<IPairReceiver> ConnectChildAsync(string address, CancellationToken cancellationToken)
    {
        string key = Environment.GetEnvironmentVariable(KeyVariable) ?? throw new InvalidOperationException($"the child has no {KeyVariable}");
        IBenchLink.Peer peer = await IBenchLink.Peer.ConnectAsync("unix:" + address, Options(key), cancellationToken).ConfigureAwait(false);
        return new ChannelsReceiver(peer);
    }

    private ChannelOptions Options(string hexKey) => new()
    {
        Key = Convert.FromHexString(hexKey),
        LaneWindowMessages = laneWindowMessages,
        LaneWindowBytes = laneWindowBytes,
        UseSharedMemory = sharedMemory,
        SharedMemoryWait = wait,
    };
}
