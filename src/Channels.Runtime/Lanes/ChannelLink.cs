using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.Lanes;
using Channels.Wire;

namespace Channels;

/// <summary>
/// One connection between two endpoints of a link contract, carrying all its lanes. Generated endpoints create
/// their typed lanes on it; the link moves their messages as frames over a transport (<see cref="Transports.ILinkTransport"/>: a Unix
/// domain socket between processes) or, when both ends of a pipe live in one process, hands the objects across directly.
/// </summary>
[DebuggerDisplay("{Contract.Name} {_role} link, {_mode}")]
public sealed partial class ChannelLink : IAsyncDisposable
{
    private readonly LinkRole _role;
    private readonly ChannelOptions _options;
    private readonly ILane?[] _lanes;
    private readonly Lock _stateLock = new();
    private volatile LinkMode _mode;
    private Exception? _failure;
    private bool _disposed;

    internal ChannelLink(ContractDescriptor contract, LinkRole role, ChannelOptions options)
    {
        Contract = contract;
        _role = role;
        _options = options;
        _lanes = new ILane?[contract.Lanes.Count];
        _outbox = new FrameOutbox(_sendLock, OnSendFailed);
    }

    /// <summary>The contract this link carries.</summary>
    public ContractDescriptor Contract { get; }

    internal LinkRole Role => _role;

    internal ChannelOptions Options => _options;

    /// <summary>Creates the writer of lane number <paramref name="lane"/>; called once per lane by generated code.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The contract has no such lane.</exception>
    /// <exception cref="InvalidOperationException">This end reads the lane, or its writer was created already.</exception>
    public ChannelWriter<T> CreateWriter<T>(int lane, ILaneCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        CheckNewLane(lane, writes: true);
        var writer = new LaneWriter<T>(this, lane, codec);
        _lanes[lane] = writer;
        return writer;
    }

    /// <summary>Creates the reader of lane number <paramref name="lane"/>; called once per lane by generated code.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The contract has no such lane.</exception>
    /// <exception cref="InvalidOperationException">This end writes the lane, or its reader was created already.</exception>
    public ChannelReader<T> CreateReader<T>(int lane, ILaneCodec<T> codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        CheckNewLane(lane, writes: false);
        var reader = new LaneReader<T>(this, lane, codec, _options.LaneWindowMessages, _options.LaneWindowBytes);
        _lanes[lane] = reader;
        return reader;
    }

    /// <summary>
    /// Completes this side's writers (the other side reads every message written before), closes the link and
    /// ends this side's pending reads with <see cref="ChannelClosedException"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        LinkMode mode;
        lock (_stateLock)
        {
            if (_disposed)
                return;
            _disposed = true;
            mode = _mode;
        }
        if (mode == LinkMode.PendingPipe && _role == LinkRole.Peer)
        {
            // An unused in-process end: join it to the opener first, so that the opener sees an orderly close.
            ActivateLocalPipe();
            mode = _mode;
        }
        if (mode == LinkMode.Transport)
            _outbox.BeginClosing();
        foreach (ILane? lane in _lanes)
            (lane as IWriterLane)?.CompleteForDispose();
        var closed = new ChannelClosedException($"Link of contract '{Contract.Name}' ({_role} end) was disposed.");
        switch (mode)
        {
            case LinkMode.Transport:
                await CloseTransportAsync(closed).ConfigureAwait(false);
                break;
            case LinkMode.Local:
                _localPartner?.OnLocalPartnerDisposed();
                Fail(closed);
                break;
            default:
                Fail(closed);
                await DisposePipeListenerAsync().ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// Completes every writer of this side with <paramref name="error"/>: the remote readers end with
    /// <see cref="ChannelClosedException"/> whose inner exception is a <see cref="RemoteException"/>, after every
    /// message written before. Used when a child's entry throws, so that its failure never reads as success.
    /// </summary>
    internal void FaultWriters(Exception error)
    {
        foreach (ILane? lane in _lanes)
            (lane as IWriterLane)?.TryComplete(error);
    }

    /// <summary>Names a lane for messages: "lane 'Jobs' of contract 'Demo.IWorker'".</summary>
    internal string DescribeLane(int lane)
        => (uint)lane < (uint)Contract.Lanes.Count ? $"lane '{Contract.Lanes[lane].Name}' of contract '{Contract.Name}'" : $"lane {lane} of contract '{Contract.Name}'";

    /// <summary>
    /// Ends the link: every lane's pending and later operations end with <paramref name="error"/> (readers first
    /// drain what they received). The first failure wins.
    /// </summary>
    internal void Fail(Exception error)
    {
        Diagnostics.LinkMetrics? metrics;
        lock (_stateLock)
        {
            if (_failure is not null)
                return;
            _failure = error;
            metrics = _metrics;
        }
        OnEnded(error, metrics);
        foreach (ILane? lane in _lanes)
            lane?.FailLink(error);
        CloseTransport();
    }

    /// <summary>Whether this side writes <paramref name="lane"/>.</summary>
    private bool Writes(int lane) => (Contract.Lanes[lane].Direction == LaneDirection.OpenerToPeer) == (_role == LinkRole.Opener);

    private void CheckNewLane(int lane, bool writes)
    {
        if ((uint)lane >= (uint)_lanes.Length)
            throw new ArgumentOutOfRangeException(nameof(lane), lane, $"Contract '{Contract.Name}' has {_lanes.Length} lanes.");
        if (Writes(lane) != writes)
            throw new InvalidOperationException($"The {_role} end {(writes ? "reads" : "writes")} {DescribeLane(lane)}; it cannot create its {(writes ? "writer" : "reader")}.");
        if (_lanes[lane] is not null)
            throw new InvalidOperationException($"The {(writes ? "writer" : "reader")} of {DescribeLane(lane)} was created already.");
        if (_mode is LinkMode.Transport or LinkMode.Local)
            throw new InvalidOperationException($"Lanes of contract '{Contract.Name}' must be created before the link starts.");
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowProtocol(string message, string errorType) => throw new ProtocolException(message) { ErrorType = errorType };
}
