using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Channels.Contracts;
using Channels.Transports;
using Channels.Transports.UnixSocket;
using Channels.Wire;

namespace Channels;

/// <summary>Accepts peers of a link contract at a named endpoint (Python's <c>multiprocessing.connection.Listener</c>).</summary>
/// <typeparam name="TOpener">The contract interface: each accepted link is seen through it.</typeparam>
/// <remarks>
/// Each connection's handshake runs on its own, bounded by <see cref="ChannelOptions.HandshakeTimeout"/>: a slow,
/// malformed, unauthenticated or mismatched client is refused and closed without holding up the others.
/// </remarks>
[DebuggerDisplay("Listener at {Endpoint}")]
public sealed class ChannelListener<TOpener> : IAsyncDisposable where TOpener : class, IAsyncDisposable
{
    private readonly ContractDescriptor _contract;
    private readonly Func<ChannelLink, TOpener> _createOpener;
    private readonly EndpointAddress _address;
    private readonly ChannelOptions _options;
    private readonly byte[] _key;
    private readonly Socket _socket;
    private readonly Channel<TOpener> _accepted = Channel.CreateUnbounded<TOpener>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly CancellationTokenSource _stop = new();
    private Task? _acceptLoop;
    private int _disposed;

    private ChannelListener(ContractDescriptor contract, Func<ChannelLink, TOpener> createOpener, EndpointAddress address, ChannelOptions options, byte[] key, Socket socket)
    {
        _contract = contract;
        _createOpener = createOpener;
        _address = address;
        _options = options;
        _key = key;
        _socket = socket;
    }

    /// <summary>The endpoint as resolved (<c>unix:/...</c>).</summary>
    public string Endpoint => _address.Uri;

    /// <summary>The endpoint's key (a queue host hands it to its children).</summary>
    internal byte[] CopyKey() => _key.ToArray();

    /// <summary>The last connection refused (failed handshake, wrong key, other contract), for diagnostics.</summary>
    internal Exception? LastRejection { get; private set; }

    /// <summary>How many connections were refused.</summary>
    internal int RejectedCount;

    internal static ChannelListener<TOpener> Start(ContractDescriptor contract, Func<ChannelLink, TOpener> createOpener, EndpointAddress address, ChannelOptions options)
    {
        byte[] key;
        if (options.Key is { Length: > 0 } given)
            key = given.ToArray();
        else if (address.KeyPath is not null)
            key = KeyFile.NewKey();
        else
            throw new ArgumentException($"Endpoint '{address.Display}' is an explicit socket path; listening there needs a key in ChannelOptions.Key.", nameof(options));
        // The key file goes first: a connector that sees the socket finds the key.
        if (address.KeyPath is not null && options.Key is not { Length: > 0 })
            KeyFile.Write(address.KeyPath, key);
        Socket socket;
        try
        {
            socket = UnixSockets.Bind(address.SocketPath, address.Display);
        }
        catch
        {
            if (options.Key is not { Length: > 0 })
                UnixSockets.TryDelete(address.KeyPath);
            throw;
        }
        var listener = new ChannelListener<TOpener>(contract, createOpener, address, options, key, socket);
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
        _stop.Cancel();
        _socket.Dispose();
        if (_acceptLoop is { } loop)
            await loop.ConfigureAwait(false);
        UnixSockets.TryDelete(_address.SocketPath);
        if (_options.Key is not { Length: > 0 })
            UnixSockets.TryDelete(_address.KeyPath);
        _accepted.Writer.TryComplete();
        // Links that passed the handshake but were never accepted belong to nobody: close them.
        while (_accepted.Reader.TryRead(out TOpener? unclaimed))
            await unclaimed.DisposeAsync().ConfigureAwait(false);
        // _stop is not disposed: handshakes still finishing read its token; one that completes now finds the
        // accepted queue closed and disposes its link.
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                Socket accepted = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
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
        try
        {
            HandshakeHello remote;
            using (var stream = new NetworkStream(accepted, ownsSocket: false))
            {
                remote = await Handshake.RunAsync(stream, _contract, LinkRole.Opener, _options, _key, _address.Display, _stop.Token).ConfigureAwait(false);
            }
            var link = new ChannelLink(_contract, LinkRole.Opener, _options);
            link.AttachTransport(await LinkTransports.AfterHandshakeAsync(accepted, LinkRole.Opener, remote, _options, _stop.Token).ConfigureAwait(false), remote);
            TOpener opener = _createOpener(link);
            link.Start();
            if (!_accepted.Writer.TryWrite(opener))
                await opener.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A refused client must never stop the listener: record why and close its connection.
            LastRejection = ex;
            Interlocked.Increment(ref RejectedCount);
            accepted.Dispose();
        }
    }
}
