using System.Threading.Channels;

namespace Channels.Queues;

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
