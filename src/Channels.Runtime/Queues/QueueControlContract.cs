using System.Threading.Channels;
using Channels.Contracts;

namespace Channels.Queues;

/// <summary>
/// The internal link contract between a queue host and each member: an ordinary <see cref="ChannelLink"/> with the
/// same listener, handshake, key and fingerprint check as every link, carrying the queue contract's name and
/// fingerprint (so a member of another contract or shape is refused at connect). Lane 0 (host to member) carries
/// the <see cref="QueueWelcome"/>; lane 1 (member to host) the member's process id. After that the link only
/// carries pings: its loss is how each side learns that the other is gone or hung.
/// </summary>
internal sealed class QueueControlContract(ContractDescriptor queueContract)
    : LinkContract<QueueControlLink, QueueControlLink>(new ContractDescriptor(queueContract.Name, queueContract.Fingerprint,
    [
        new LaneDescriptor("Welcome", LaneDirection.OpenerToPeer, "Channels.Queues.QueueWelcome"),
        new LaneDescriptor("Member", LaneDirection.PeerToOpener, "System.Int32"),
    ]))
{
    protected override QueueControlLink CreateOpener(ChannelLink link)
        => new(link, link.CreateWriter(0, QueueWelcomeCodec.Instance), null, null, link.CreateReader(1, QueueMemberCodec.Instance));

    protected override QueueControlLink CreatePeer(ChannelLink link)
        => new(link, null, link.CreateReader(0, QueueWelcomeCodec.Instance), link.CreateWriter(1, QueueMemberCodec.Instance), null);
}

/// <summary>One end of a queue control link: the host's (writes the welcome, reads the member) or the member's.</summary>
internal sealed class QueueControlLink(
    ChannelLink link,
    ChannelWriter<QueueWelcome>? welcomeWriter,
    ChannelReader<QueueWelcome>? welcomeReader,
    ChannelWriter<int>? memberWriter,
    ChannelReader<int>? memberReader) : IAsyncDisposable
{
    public ChannelWriter<QueueWelcome> WelcomeWriter => welcomeWriter ?? throw new InvalidOperationException("A member does not write the welcome.");

    public ChannelReader<QueueWelcome> WelcomeReader => welcomeReader ?? throw new InvalidOperationException("The host does not read the welcome.");

    public ChannelWriter<int> MemberWriter => memberWriter ?? throw new InvalidOperationException("The host does not write the member lane.");

    public ChannelReader<int> MemberReader => memberReader ?? throw new InvalidOperationException("A member does not read the member lane.");

    public ValueTask DisposeAsync() => link.DisposeAsync();
}
