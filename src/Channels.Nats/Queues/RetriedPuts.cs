namespace Channels.Nats.Queues;

/// <summary>
/// The message ids of puts whose outcome is unknown (the publish timed out or the connection dropped before the
/// stream's acknowledgement came), so that the put tried again publishes under the same id and the stream stores
/// the item once even if the first attempt was stored after all.
/// </summary>
/// <remarks>
/// The runtime retries a put by calling the engine again with the same bytes and nothing else that names the put,
/// so an id is found again by content. Ids of equal content are interchangeable: a put claims any unclaimed id of
/// its bytes, or makes a new one. Then the number of stored copies of some bytes equals the number of distinct ids
/// stored for them, and every put that reports success has its own id stored: a put that gave up after an attempt
/// that was stored unseen leaves its id here, and the next put of equal bytes adopts that copy instead of storing
/// another. An id is reused only within half the stream's duplicate window, the time the server remembers it.
/// </remarks>
internal sealed class RetriedPuts
{
    /// <summary>How many unknown outcomes are kept (the oldest is forgotten first); puts wait a few at a time per process.</summary>
    private const int MaxEntries = 1024;

    private readonly string _prefix = Guid.NewGuid().ToString("N");
    private readonly long _reuseMs;
    private readonly Lock _lock = new();
    private readonly List<Entry> _entries = [];
    private long _next;

    private sealed class Entry(byte[] item, string id, long since)
    {
        public readonly byte[] Item = item;
        public readonly string Id = id;
        public readonly long Since = since;
        public bool Claimed;
    }

    /// <param name="duplicateWindow">The stream's duplicate window.</param>
    public RetriedPuts(TimeSpan duplicateWindow) => _reuseMs = (long)duplicateWindow.TotalMilliseconds / 2;

    /// <summary>
    /// The id a put of <paramref name="item"/> publishes under: an unclaimed unknown outcome of the same bytes
    /// (<paramref name="retried"/>), or a new one.
    /// </summary>
    public string Claim(ReadOnlySpan<byte> item, out bool retried)
    {
        retried = true;
        lock (_lock)
        {
            long now = Environment.TickCount64;
            for (int i = _entries.Count - 1; i >= 0; i--)
            {
                Entry entry = _entries[i];
                if (now - entry.Since > _reuseMs)
                {
                    // Older than the server remembers: a put now under this id could be stored twice, so it is new.
                    _entries.RemoveAt(i);
                }
                else if (!entry.Claimed && entry.Item.AsSpan().SequenceEqual(item))
                {
                    entry.Claimed = true;
                    return entry.Id;
                }
            }
        }
        retried = false;
        return _prefix + "-" + Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The put under <paramref name="id"/> is known to be stored (or a duplicate of a stored one): forget it.</summary>
    public void Settle(string id)
    {
        lock (_lock)
        {
            int index = IndexOf(id);
            if (index >= 0)
                _entries.RemoveAt(index);
        }
    }

    /// <summary>The put under <paramref name="id"/> may or may not have been stored: keep its id for the next put of these bytes.</summary>
    public void Unknown(string id, ReadOnlySpan<byte> item)
    {
        lock (_lock)
        {
            int index = IndexOf(id);
            if (index >= 0)
            {
                _entries[index].Claimed = false;
                return;
            }
            if (_entries.Count == MaxEntries)
                _entries.RemoveAt(0);
            _entries.Add(new Entry(item.ToArray(), id, Environment.TickCount64));
        }
    }

    private int IndexOf(string id)
    {
        for (int i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].Id == id)
                return i;
        }
        return -1;
    }
}
