using System.Diagnostics;
using Channels.Contracts;
using Channels.Lanes;
using Channels.Transports;
using Channels.Transports.InProcess;
using Channels.Transports.SharedMemory;
using Channels.Transports.UnixSocket;
using Channels.Wire;

namespace Channels.Diagnostics;

/// <summary>
/// One link's instruments over a transport. Its tag sets are built once when the link starts; sending costs nothing
/// per message here (the writers keep their sent totals, which their credit needs anyway), and the send loop adds
/// each lane's counts once per flushed batch; the receive side adds once per received frame. Nothing is allocated
/// per message, and a disabled instrument costs one field read per batch or frame.
/// </summary>
internal sealed class LinkMetrics
{
    private readonly KeyValuePair<string, object?>[][] _laneTags;
    private readonly KeyValuePair<string, object?>[][] _waitTags;
    private readonly KeyValuePair<string, object?>[] _linkTags;
    private readonly ILane?[] _lanes;
    private readonly long[] _reportedMessages;
    private readonly long[] _reportedBytes;
    private readonly bool _counted;
    private int _ended;

    private LinkMetrics(ContractDescriptor contract, string transport, LinkRole role, ILane?[] lanes)
    {
        _lanes = lanes;
        Transport = transport;
        int count = contract.Lanes.Count;
        _laneTags = new KeyValuePair<string, object?>[count][];
        _waitTags = new KeyValuePair<string, object?>[count][];
        for (int lane = 0; lane < count; lane++)
        {
            string name = contract.Lanes[lane].Name;
            _laneTags[lane] = [new(ChannelsMeter.ContractTag, contract.Name), new(ChannelsMeter.LaneTag, name), new(ChannelsMeter.TransportTag, transport)];
            _waitTags[lane] = [new(ChannelsMeter.ContractTag, contract.Name), new(ChannelsMeter.LaneTag, name)];
        }
        _linkTags = [new(ChannelsMeter.ContractTag, contract.Name), new(ChannelsMeter.TransportTag, transport), new(ChannelsMeter.RoleTag, RoleName(role))];
        _reportedMessages = new long[count];
        _reportedBytes = new long[count];
        _counted = ChannelsMeter.OpenLinks.Enabled;
        if (_counted)
            ChannelsMeter.OpenLinks.Add(1, _linkTags);
    }

    /// <summary>The <c>channels.transport</c> tag: <c>unix</c>, <c>shm</c> or <c>inproc</c>.</summary>
    public string Transport { get; }

    /// <summary>
    /// The metrics of a link of <paramref name="contract"/> that starts now over <paramref name="transport"/>; counts it
    /// open. <paramref name="lanes"/> are the link's lanes by wire number, whose writers keep what they sent.
    /// </summary>
    public static LinkMetrics Open(ContractDescriptor contract, ILinkTransport transport, LinkRole role, ILane?[] lanes)
        => new(contract, TransportName(transport), role, lanes);

    /// <summary>The <c>channels.role</c> tag of <paramref name="role"/>.</summary>
    public static string RoleName(LinkRole role) => role == LinkRole.Opener ? "opener" : "peer";

    /// <summary>The <c>channels.transport</c> tag of <paramref name="transport"/>.</summary>
    public static string TransportName(ILinkTransport transport) => transport switch
    {
        UnixSocketTransport => "unix",
        SharedMemoryTransport => "shm",
        InProcessTransport => "inproc",
        _ => "other",
    };

    /// <summary>The send loop passed a batch to the transport: adds what each lane sent since the last flush.</summary>
    public void Flushed()
    {
        bool messages = ChannelsMeter.MessagesSent.Enabled;
        bool bytes = ChannelsMeter.BytesSent.Enabled;
        if (!messages && !bytes)
            return;
        // The send loop and a writer sending inline (under the send lock) both flush; the report marks are shared.
        lock (_reportedMessages)
        {
            for (int lane = 0; lane < _reportedMessages.Length; lane++)
            {
                if (_lanes[lane] is not IWriterLane writer)
                    continue;
                long sent = writer.SentMessages;
                long delta = sent - _reportedMessages[lane];
                if (delta == 0)
                    continue;
                long sentBytes = writer.SentBytes;
                if (messages)
                    ChannelsMeter.MessagesSent.Add(delta, _laneTags[lane]);
                if (bytes)
                    ChannelsMeter.BytesSent.Add(sentBytes - _reportedBytes[lane], _laneTags[lane]);
                _reportedMessages[lane] = sent;
                _reportedBytes[lane] = sentBytes;
            }
        }
    }

    /// <summary>A frame of <paramref name="messages"/> messages and <paramref name="bytes"/> encoded bytes was received on <paramref name="lane"/>.</summary>
    public void Received(int lane, int messages, int bytes)
    {
        if (messages == 0)
            return;
        if (ChannelsMeter.MessagesReceived.Enabled)
            ChannelsMeter.MessagesReceived.Add(messages, _laneTags[lane]);
        if (ChannelsMeter.BytesReceived.Enabled)
            ChannelsMeter.BytesReceived.Add(bytes, _laneTags[lane]);
    }

    /// <summary>A write on <paramref name="lane"/> that started waiting for credit at <paramref name="startTimestamp"/> got it.</summary>
    public void CreditWaited(int lane, long startTimestamp)
    {
        if (ChannelsMeter.CreditWait.Enabled)
            ChannelsMeter.CreditWait.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _waitTags[lane]);
    }

    /// <summary>The link ended: no longer open (if it was counted open), and counted lost or broken when it was.</summary>
    public void Ended(ContractDescriptor contract, Exception error)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        if (_counted)
            ChannelsMeter.OpenLinks.Add(-1, _linkTags);
        CountEnd(contract, Transport, error);
    }

    /// <summary>Counts a link of <paramref name="contract"/> that ended with <paramref name="error"/> when it was lost or broken.</summary>
    public static void CountEnd(ContractDescriptor contract, string transport, Exception error)
    {
        if (error is PeerLostException && ChannelsMeter.PeerLost.Enabled)
        {
            ChannelsMeter.PeerLost.Add(1, new KeyValuePair<string, object?>(ChannelsMeter.ContractTag, contract.Name),
                new KeyValuePair<string, object?>(ChannelsMeter.TransportTag, transport));
        }
        else if (error is ProtocolException protocol && ChannelsMeter.ProtocolErrors.Enabled)
        {
            ChannelsMeter.ProtocolErrors.Add(1, new KeyValuePair<string, object?>(ChannelsMeter.ContractTag, contract.Name),
                new KeyValuePair<string, object?>(ChannelsMeter.ErrorTypeTag, protocol.ErrorType));
        }
    }
}
