using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.Lanes;
using Channels.Transports;
using Channels.Wire;

namespace Channels;

// Pipes (CreatePipe): both ends exist at once, but how they will talk is decided later. The first lane operation
// on the peer end in this process joins the two ends in process (objects pass without serialization); handing the
// unused peer end to a child (DetachForChild) instead makes the opener listen on a private one-shot socket that
// the child connects to. Until either happens the opener's writers have no credit and its readers wait.
public sealed partial class ChannelLink
{
    private ChannelLink? _pipeOpener;
    private ChannelLink? _localPartner;
    private PipeListener? _pipeListener;
    private Process? _peerProcess;

    /// <summary>Creates the two ends of a pipe.</summary>
    internal static (ChannelLink Opener, ChannelLink Peer) CreatePipe(ContractDescriptor contract, ChannelOptions options)
    {
        var opener = new ChannelLink(contract, LinkRole.Opener, options) { _mode = LinkMode.PendingPipe };
        var peer = new ChannelLink(contract, LinkRole.Peer, options) { _mode = LinkMode.PendingPipe, _pipeOpener = opener };
        return (opener, peer);
    }

    /// <summary>
    /// Hands this unused peer end of a pipe to a child process: returns the endpoint (<c>unix:/path</c>) and key
    /// the child passes to <c>ConnectAsync</c> (with <see cref="ChannelOptions.Key"/>). This copy becomes unusable;
    /// the socket file is removed once the child connected or the opener is disposed.
    /// </summary>
    /// <exception cref="InvalidOperationException">This is not the peer end of a pipe, or it was used, disposed or handed over already.</exception>
    internal (string Endpoint, byte[] Key) DetachForChild()
    {
        ChannelLink opener = _pipeOpener
            ?? throw new InvalidOperationException($"Only the peer end of a pipe made by CreatePipe can be handed to a child process; this link of contract '{Contract.Name}' is the {_role} end of a {(_mode == LinkMode.PendingPipe ? "pipe" : "connection")}.");
        lock (opener._stateLock)
        {
            if (_mode != LinkMode.PendingPipe || _disposed || opener._disposed)
            {
                string state = _disposed ? "disposed" : opener._disposed ? "orphaned (its opener is disposed)" : _mode == LinkMode.Detached ? "handed to a child already" : "in use in this process";
                throw new InvalidOperationException($"The peer end of this pipe of contract '{Contract.Name}' is {state}; only an unused peer end can be handed to a child process.");
            }
            _mode = LinkMode.Detached;
        }
        byte[] key = KeyFile.NewKey();
        PipeListener listener = PipeListener.Start(opener, key);
        opener._pipeListener = listener;
        return (listener.Endpoint, key);
    }

    /// <summary>
    /// Names the process at the other end: when the link loses its peer, it waits up to a second for that process to
    /// exit and reports the exit code in <see cref="PeerLostException"/>. On a peer end handed to a child, applies to its opener.
    /// </summary>
    internal void AttachPeerProcess(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        ChannelLink target = _mode == LinkMode.Detached && _pipeOpener is not null ? _pipeOpener : this;
        target._peerProcess = process;
        if (target._mode == LinkMode.PendingPipe)
            target.WatchUnconnectedChild(process);
    }

    // A child that dies before it connects would otherwise leave the opener waiting for ever.
    private void WatchUnconnectedChild(Process process)
    {
        try
        {
            process.EnableRaisingEvents = true;
            process.Exited += OnUnconnectedChildExited;
            if (process.HasExited)
                OnUnconnectedChildExited(process, EventArgs.Empty);
        }
        catch (InvalidOperationException)
        {
            // Not a process this one can watch; peer loss is then noticed only once it connected.
        }
    }

    private void OnUnconnectedChildExited(object? sender, EventArgs e)
    {
        if (_mode != LinkMode.PendingPipe || sender is not Process process)
            return;
        int? exitCode = null;
        try
        {
            exitCode = process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            // Exit code not available.
        }
        Fail(new PeerLostException(
            $"The peer of the link of contract '{Contract.Name}' was lost: the child process (pid {process.Id}) exited before it connected" + (exitCode is null ? "." : $", with code {exitCode}."),
            exitCode));
        _ = DisposePipeListenerAsync().AsTask();
    }

    /// <summary>Makes pending pipes join in process on the peer end's first lane operation; throws on a detached end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void OnLaneUse()
    {
        LinkMode mode = _mode;
        if (mode is LinkMode.Transport or LinkMode.Local)
            return;
        OnLaneUseSlow(mode);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnLaneUseSlow(LinkMode mode)
    {
        if (mode == LinkMode.Detached)
            throw new InvalidOperationException($"This peer end of a pipe of contract '{Contract.Name}' was handed to a child process; use it there, not here.");
        if (mode == LinkMode.PendingPipe && _role == LinkRole.Peer)
            ActivateLocalPipe();
    }

    private void ActivateLocalPipe()
    {
        ChannelLink opener = _pipeOpener!;
        lock (opener._stateLock)
        {
            if (_mode != LinkMode.PendingPipe)
                return;
            if (opener._mode != LinkMode.PendingPipe)
            {
                _mode = LinkMode.Local;
                return;
            }
            opener._localPartner = this;
            _localPartner = opener;
            opener._mode = LinkMode.Local;
            _mode = LinkMode.Local;
        }
        for (int lane = 0; lane < _lanes.Length; lane++)
        {
            ILane? mine = _lanes[lane];
            ILane? theirs = opener._lanes[lane];
            IWriterLane? writer = mine as IWriterLane ?? theirs as IWriterLane;
            IReaderLane? reader = mine as IReaderLane ?? theirs as IReaderLane;
            if (writer is null || reader is null)
                continue;
            reader.BindLocal(writer);
            writer.BindLocal(reader);
        }
        if (opener._failure is not null)
            OnLocalPartnerDisposed();
    }

    /// <summary>The other end in this process was disposed: writes to it can no longer be read.</summary>
    private void OnLocalPartnerDisposed()
    {
        var closed = new ChannelClosedException($"The other end of the in-process link of contract '{Contract.Name}' was disposed.");
        foreach (ILane? lane in _lanes)
            (lane as IWriterLane)?.FailLink(closed);
    }

    private ValueTask DisposePipeListenerAsync()
    {
        PipeListener? listener = Interlocked.Exchange(ref _pipeListener, null);
        return listener?.DisposeAsync() ?? default;
    }
}
