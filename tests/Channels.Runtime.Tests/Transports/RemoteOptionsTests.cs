using Xunit;

namespace Channels.Runtime.Tests.Transports;

/// <summary>The options a link over a remote transport runs with (<see cref="ChannelOptions.ForRemote"/>).</summary>
public sealed class RemoteOptionsTests
{
    [Fact]
    public void An_unset_lane_window_takes_the_transport_default()
    {
        Assert.Equal(16_384, new ChannelOptions().ForRemote(new(16_384, 8 << 20)).LaneWindowMessages);
        Assert.Equal(16_384, ChannelOptions.Default.ForRemote(new(16_384, 8 << 20)).LaneWindowMessages);
        Assert.Equal(8 << 20, new ChannelOptions().ForRemote(new(16_384, 8 << 20)).LaneWindowBytes);
        // The shared default instance is not changed by the copy.
        Assert.Equal(32768, ChannelOptions.Default.LaneWindowMessages);
        Assert.Equal(1 << 20, ChannelOptions.Default.LaneWindowBytes);
    }

    [Fact]
    public void A_lane_window_set_by_the_user_wins_even_at_the_local_default()
    {
        Assert.Equal(1024, new ChannelOptions { LaneWindowMessages = 1024 }.ForRemote(new(16_384, 8 << 20)).LaneWindowMessages);
        Assert.Equal(16, new ChannelOptions { LaneWindowMessages = 16 }.ForRemote(new(16_384, 8 << 20)).LaneWindowMessages);
        // Bytes and messages are taken one by one: setting one leaves the other to the transport.
        ChannelOptions bytesSet = new ChannelOptions { LaneWindowBytes = 1 << 20 }.ForRemote(new(16_384, 8 << 20));
        Assert.Equal(1 << 20, bytesSet.LaneWindowBytes);
        Assert.Equal(16_384, bytesSet.LaneWindowMessages);
        ChannelOptions messagesSet = new ChannelOptions { LaneWindowMessages = 100 }.ForRemote(new(16_384, 8 << 20));
        Assert.Equal(100, messagesSet.LaneWindowMessages);
        Assert.Equal(8 << 20, messagesSet.LaneWindowBytes);
    }

    [Fact]
    public void A_remote_copy_keeps_the_link_on_the_socket_and_every_other_setting()
    {
        var options = new ChannelOptions { LaneWindowBytes = 4096, MaxFrameSize = 1 << 20, UseSharedMemory = true };
        ChannelOptions remote = options.ForRemote(new(8, 8 << 20));
        Assert.True(remote.SocketOnly);
        Assert.False(options.SocketOnly);
        Assert.Equal(4096, remote.LaneWindowBytes);
        Assert.Equal(8, remote.LaneWindowMessages);
        Assert.Equal(1 << 20, remote.MaxFrameSize);
    }
}
