using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.Diagnostics;
using Channels.Transports;
using Channels.Transports.UnixSocket;
using Channels.Wire;

namespace Channels;

/// <summary>Accepts peers of a link contract at a named endpoint (Python's <c>multiprocessing.connection.Listener</c>).</summary>
/// <typeparam name="TOpener">The contract interface: each accepted link is seen through it.</typeparam>
/// <remarks>
/// Each connection's handshake runs on its own, bounded by <see cref="ChannelOptions.HandshakeTimeout"/>: a slow,
/// malformed, unauthenticated or mismatched client is refused and closed without holding up the others. At most
/// <see cref="ChannelOptions.MaxPendingHandshakes"/> handshakes run at once; connections beyond are closed at once.
/// </remarks>
[DebuggerDisplay("Listener at {Endpoint}")]
public sealed class ChannelListener<TOpener> : IAsyncDisposable where TOpener : class, IAsyncDisposable
{
    private const int MinAcceptBackoffMilliseconds = 10;
    private const int MaxAcceptBackoffMilliseconds = 1000;

    private readonly ContractDescriptor _contract;
    private readonly Func<ChannelLink, TOpener> _createOpener;
    private readonly EndpointAddress _address;
    private readonly ChannelOptions _options;
    private readonly int _maxPendingHandshakes;
    private readonly byte[] _key;
    private readonly Socket _socket;
    private readonly Channel<TOpener> _accepted = Channel.CreateUnbounded<TOpener>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly CancellationTokenSource _stop = new();
    private readonly string[] _files;
    private readonly Microsoft.Extensions.Logging.ILogger? _logger;
    private Task? _acceptLoop;
    private int _pendingHandshakes;
    private int _disposed;

    private ChannelListener(ContractDescriptor contract, Func<ChannelLink, TOpener> createOpener, EndpointAddress address, ChannelOptions options, byte[] key, Socket socket, bool ownsKeyFile)
    {
        _files = ownsKeyFile ? [address.SocketPath, address.KeyPath!] : [address.SocketPath];
        _contract = contract;
        _createOpener = createOpener;
        _address = address;
        _options = options;
        _maxPendingHandshakes = PendingHandshakeLimit(options);
        _key = key;
        _socket = socket;
        _logger = ChannelsLog.For(options);
    }

    /// <summary>The endpoint as resolved (<c>unix:/...</c>), or a remote endpoint (<c>nats://...</c>) as given.</summary>
    public string Endpoint => Serving is null ? _address.Uri : _address.Display;

    /// <summary>A remote transport serving this listener's endpoint; stopped first on dispose.</summary>
    internal IAsyncDisposable? Serving { get; set; }

    /// <summary>The endpoint's key (a queue host hands it to its children).</summary>
    internal byte[] CopyKey() => _key.ToArray();

    /// <summary>The last connection refused (failed handshake, wrong key, other contract), for diagnostics.</summary>
    internal Exception? LastRejection { get; private set; }

    /// <summary>How many connections were refused (failed handshakes and connections over the pending-handshake cap).</summary>
    internal int RejectedCount;

    /// <summary>The last error of accept itself (out of file descriptors, ...), after which the loop backed off and went on.</summary>
    internal Exception? LastAcceptError { get; private set; }

    /// <summary>How many accepts failed.</summary>
    internal int AcceptErrorCount;

    internal static ChannelListener<TOpener> Start(ContractDescriptor contract, Func<ChannelLink, TOpener> createOpener, EndpointAddress address, ChannelOptions options)
    {
        (byte[] key, bool writesKeyFile) = KeyResolver.ForListener(address, options);
        // Bind first: a live listener at the address makes this throw before anything of it is touched (its key
        // file above all). The socket does not accept yet, so a connector cannot arrive before the key file is there.
        Socket socket = UnixSockets.BindWithoutListening(address.SocketPath, address.Display);
        var listener = new ChannelListener<TOpener>(contract, createOpener, address, options, key, socket, writesKeyFile);
        try
        {
            if (writesKeyFile)
                KeyFile.Write(address.KeyPath!, key);
            UnixSockets.Listen(socket);
        }
        catch
        {
            // The address is ours since the bind: nothing of another listener is removed here.
            socket.Dispose();
            listener.DeleteFiles();
            throw;
        }
        EndpointFileCleanup.Register(listener._files);
        listener._acceptLoop = listener.AcceptLoopAsync();
        return listener;
    }

    /// <summary>Waits for the next peer that passes the contract check and authentication.</summary>
    /// <exception cref="ObjectDisposedException">The listener is disposed.</exception>
    public async ValueTask<TOpener> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(ChannelListener<TOpener>), $"The listener at '{Endpoint}' is disposed.");
        }
    }

    /// <summary>Accepts peers until the listener is disposed or <paramref name="cancellationToken"/> is cancelled.</summary>
    public async IAsyncEnumerable<TOpener> AcceptAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (TOpener opener in _accepted.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return opener;
    }

    /// <summary>Stops listening and removes the socket and key files. Links accepted already stay open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (Serving is { } serving)
            await serving.DisposeAsync().ConfigureAwait(false);
        _stop.Cancel();
        _socket.Dispose();
        if (_acceptLoop is { } loop)
            await loop.ConfigureAwait(false);
        EndpointFileCleanup.Unregister(_files);
        DeleteFiles();
        _accepted.Writer.TryComplete();
        // Links that passed the handshake but were never accepted belong to nobody: close them.
        while (_accepted.Reader.TryRead(out TOpener? unclaimed))
            await unclaimed.DisposeAsync().ConfigureAwait(false);
        // _stop is not disposed: handshakes still finishing read its token; one that completes now finds the
        // accepted queue closed and disposes its link.
    }

    private void DeleteFiles()
    {
        foreach (string file in _files)
            UnixSockets.TryDelete(file);
    }

    // Accepting never ends before dispose. A failed accept (EMFILE/ENFILE when descriptors run out, ENOBUFS, ...)
    // is recorded and retried after a back-off that doubles up to a second, so a flood neither spins the loop nor
    // kills the endpoint. Connections over the cap of pending handshakes are closed at once: a flood of clients that
    // never finish the handshake holds at most MaxPendingHandshakes descriptors, each for at most HandshakeTimeout.
    private async Task AcceptLoopAsync()
    {
        int backoffMilliseconds = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket accepted;
                try
                {
                    accepted = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
                    backoffMilliseconds = 0;
                }
                catch (SocketException ex) when (!_stop.IsCancellationRequested)
                {
                    LastAcceptError = ex;
                    Interlocked.Increment(ref AcceptErrorCount);
                    backoffMilliseconds = Math.Clamp(backoffMilliseconds * 2, MinAcceptBackoffMilliseconds, MaxAcceptBackoffMilliseconds);
                    await Task.Delay(backoffMilliseconds, _stop.Token).ConfigureAwait(false);
                    continue;
                }
                if (Interlocked.Increment(ref _pendingHandshakes) > _maxPendingHandshakes)
                {
                    Interlocked.Decrement(ref _pendingHandshakes);
                    Interlocked.Increment(ref RejectedCount);
                    accepted.Dispose();
                    Refused(null, "overloaded");
                    continue;
                }
                _ = HandshakeAsync(accepted);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Disposed.
        }
    }

    private async Task HandshakeAsync(Socket accepted)
    {
        ILinkTransport? transport = null;
        try
        {
            HandshakeHello remote;
            using (var stream = new NetworkStream(accepted, ownsSocket: false))
            {
                remote = await Handshake.RunAsync(stream, _contract, LinkRole.Opener, _options, _key, _address.Display, _stop.Token).ConfigureAwait(false);
            }
            var link = new ChannelLink(_contract, LinkRole.Opener, _options);
            transport = await LinkTransports.AfterHandshakeAsync(accepted, LinkRole.Opener, remote, _options, _stop.Token).ConfigureAwait(false);
            link.AttachTransport(transport, remote);
            TOpener opener = _createOpener(link);
            link.Start();
            if (_logger is not null)
                ChannelsLog.LinkAccepted(_logger, _contract.Name, Endpoint);
            if (!_accepted.Writer.TryWrite(opener))
                await opener.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A refused client must never stop the listener: record why and close its connection.
            LastRejection = ex;
            Interlocked.Increment(ref RejectedCount);
            // A transport made before the failure owns more than the socket (a shared-memory segment): close it all.
            transport?.Close();
            accepted.Dispose();
            // Handshakes cut short because the listener is being disposed were not refused.
            if (!_stop.IsCancellationRequested)
                Refused(ex, ChannelsMeter.ErrorType(ex));
        }
        finally
        {
            Interlocked.Decrement(ref _pendingHandshakes);
        }
    }

    // Counts and logs a refused connection; error.type "overloaded" for one closed over the pending-handshake cap.
    private void Refused(Exception? error, string errorType)
    {
        ChannelsMeter.HandshakeFailed(_contract.Name, "opener", errorType);
        if (_logger is not null)
            ChannelsLog.HandshakeRefused(_logger, error, _contract.Name, Endpoint, errorType, (error as ContractMismatchException)?.RemoteContract ?? "");
    }

    // Never more pending handshakes than an eighth of the process's descriptor limit: a flood that drives the process
    // to EMFILE makes the runtime itself fail (it aborted with "Out of memory" under a limit of 1024), whatever the
    // accept loop does about it.
    private static int PendingHandshakeLimit(ChannelOptions options)
    {
        long descriptors = UnixNative.OpenFileLimit();
        return descriptors <= 0 ? options.MaxPendingHandshakes : (int)Math.Clamp(descriptors / 8, 1, options.MaxPendingHandshakes);
    }
}
