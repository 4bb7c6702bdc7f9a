using Channels.Contracts;
using Channels.Diagnostics;
using Channels.SharedMemory;
using Channels.Transports;

namespace Channels.Queues;

/// <summary>
/// The queues of a contract hosted in this process: one shared segment per lane (a 0600 file with an unguessable
/// name in the endpoint's 0700 directory) and a <see cref="ChannelListener{TOpener}"/> of the internal
/// <see cref="QueueControlContract"/> at the named endpoint. Each member that passes the handshake gets a member
/// slot and the segment paths; when its link ends (exit, crash, kill, or silence for
/// <see cref="ChannelOptions.PeerTimeout"/>), the host repairs after it in every segment.
/// </summary>
internal sealed class HostQueueSession : QueueSession
{
    private readonly EndpointAddress _address;
    private readonly ChannelListener<QueueControlLink> _listener;
    private readonly SharedQueueEngine[] _engines;
    private readonly QueueMetrics[] _metrics;
    private readonly Microsoft.Extensions.Logging.ILogger? _logger;
    private readonly object?[] _queues;
    private readonly bool[] _slots = new bool[QueueSegmentLayout.MemberSlots];
    private readonly HashSet<QueueControlLink> _members = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _serving = [];
    private Task _acceptLoop = Task.CompletedTask;
    private int _disposed;

    private HostQueueSession(ContractDescriptor contract, EndpointAddress address, ChannelListener<QueueControlLink> listener, SharedQueueEngine[] engines, ChannelOptions options)
        : base(contract)
    {
        _address = address;
        _listener = listener;
        _engines = engines;
        _logger = ChannelsLog.For(options);
        _metrics = new QueueMetrics[engines.Length];
        for (int lane = 0; lane < engines.Length; lane++)
            _metrics[lane] = QueueMetrics.Register(engines[lane], contract.Name, contract.Lanes[lane].Name);
        _queues = new object?[engines.Length];
        _slots[0] = true;
    }

    /// <summary>The members connected now (tests).</summary>
    internal int MemberCount
    {
        get { lock (_members) return _members.Count; }
    }

    /// <summary>The segment file of each lane (tests).</summary>
    internal string[] SegmentPaths => Array.ConvertAll(_engines, static e => e.SegmentPath);

    /// <summary>Creates the segments and starts listening at <paramref name="endpoint"/>.</summary>
    /// <exception cref="IOException">Another host is alive at the endpoint.</exception>
    public static HostQueueSession Create(ContractDescriptor contract, string endpoint, ChannelOptions options)
    {
        LinkFactory.CheckOptions(options);
        var address = EndpointAddress.Resolve(endpoint, options);
        var control = new QueueControlContract(contract);
        ChannelListener<QueueControlLink> listener = LinkFactory.Listen(control, endpoint, options);
        var engines = new SharedQueueEngine[contract.Lanes.Count];
        try
        {
            // The endpoint is ours now, so segments left by an earlier host of it that was killed are stale.
            string directory = Path.GetDirectoryName(address.SocketPath)!;
            string baseName = Path.GetFileNameWithoutExtension(address.SocketPath);
            for (int lane = 0; lane < engines.Length; lane++)
            {
                string prefix = $"{baseName}.q{lane}";
                SharedSegment.DeleteStale(directory, prefix);
                LaneDescriptor descriptor = contract.Lanes[lane];
                engines[lane] = SharedQueueEngine.CreateHost(directory, prefix, QueueName(contract, lane), descriptor.QueueCapacity,
                    descriptor.QueueRedeliver, options.QueueBytes, contract.Fingerprint);
            }
        }
        catch
        {
            foreach (var engine in engines) engine?.Dispose();
            listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }
        return new HostQueueSession(contract, address, listener, engines, options);
    }

    public override ProcessQueue<T> GetQueue<T>(int lane, ILaneCodec<T> codec) => QueueOf(_queues, _engines, lane, codec);

    /// <summary>Starts admitting members; called once the typed endpoint exists.</summary>
    public void Start() => _acceptLoop = AcceptLoopAsync();

    internal override (string Endpoint, byte[] Key) GetChildTicket() => (_address.Uri, _listener.CopyKey());

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var metrics in _metrics)
            metrics.Unregister();
        _stopping.Cancel();
        await _listener.DisposeAsync().ConfigureAwait(false);
        try { await _acceptLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        QueueControlLink[] members;
        lock (_members) members = [.. _members];
        foreach (var member in members)
            await member.DisposeAsync().ConfigureAwait(false);
        foreach (var engine in _engines)
            engine.Dispose();
        Task[] serving;
        lock (_members) serving = [.. _serving];
        try { await Task.WhenAll(serving).ConfigureAwait(false); } catch (OperationCanceledException) { }
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            QueueControlLink member;
            try
            {
                member = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            lock (_members)
            {
                _serving.RemoveAll(static t => t.IsCompleted);
                _serving.Add(ServeAsync(member));
            }
        }
    }

    // One member's life: welcome, then wait for its link to end, then repair after it.
    private async Task ServeAsync(QueueControlLink member)
    {
        int slot = TakeSlot();
        if (slot < 0)
        {
            // No room in the member table: the member sees its link close before any welcome.
            await member.DisposeAsync().ConfigureAwait(false);
            return;
        }
        lock (_members) _members.Add(member);
        int processId = 0;
        try
        {
            foreach (var engine in _engines) engine.ResetSlot(slot);
            var paths = new string[_engines.Length];
            for (int i = 0; i < paths.Length; i++) paths[i] = _engines[i].SegmentPath;
            await member.WelcomeWriter.WriteAsync(new QueueWelcome(slot, paths), _stopping.Token).ConfigureAwait(false);
            await foreach (int id in member.MemberReader.ReadAllAsync(_stopping.Token).ConfigureAwait(false))
            {
                // The member sends only its process id; the lane stays open for the link's life.
                processId = id;
            }
        }
        catch (Exception ex) when (ex is ChannelsException or System.Threading.Channels.ChannelClosedException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The link ended: the member exited, crashed, hung, broke the protocol, or the host is stopping.
        }
        finally
        {
            lock (_members) _members.Remove(member);
        }
        await member.DisposeAsync().ConfigureAwait(false);
        // Repair may wait for room in a full queue: off the link's threads.
        await Task.Run(() => RepairAfter(slot, processId)).ConfigureAwait(false);
        lock (_slots) _slots[slot] = false;
    }

    // Puts back (or settles) what the member held in every queue, and reports it.
    private void RepairAfter(int slot, int processId)
    {
        int held = 0;
        for (int lane = 0; lane < _engines.Length; lane++)
        {
            (int putBack, int settled) = _engines[lane].Repair(slot);
            held += putBack + settled;
            if (putBack == 0)
                continue;
            _metrics[lane].Redelivered(putBack);
            if (_logger is not null)
                ChannelsLog.QueueRedelivered(_logger, Contract.Name, Contract.Lanes[lane].Name, putBack, processId);
        }
        if (held > 0 && _logger is not null)
            ChannelsLog.QueueClientLost(_logger, Contract.Name, processId, held);
    }

    private int TakeSlot()
    {
        lock (_slots)
        {
            for (int slot = 1; slot < _slots.Length; slot++)
            {
                if (!_slots[slot])
                {
                    _slots[slot] = true;
                    return slot;
                }
            }
        }
        return -1;
    }
}
