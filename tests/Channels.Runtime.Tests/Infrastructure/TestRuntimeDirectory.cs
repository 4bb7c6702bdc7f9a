using System.Security.Cryptography;

namespace Channels.Runtime.Tests.Infrastructure;

/// <summary>A private runtime directory per test (created by the runtime with mode 0700), removed afterwards.</summary>
public sealed class TestRuntimeDirectory : IDisposable
{
    public TestRuntimeDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "chn-test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)));
    }

    public string Path { get; }

    /// <summary>Whether links of this test may use shared memory (the default of the runtime); false keeps them on the socket.</summary>
    public bool SharedMemory { get; init; } = true;

    public ChannelOptions Options(int? windowMessages = null, int? windowBytes = null, ReadOnlyMemory<byte>? key = null, TimeSpan? peerTimeout = null, int? maxFrameSize = null, TimeSpan? handshakeTimeout = null)
    {
        var defaults = new ChannelOptions();
        return new ChannelOptions
        {
            RuntimeDirectory = Path,
            LaneWindowMessages = windowMessages ?? defaults.LaneWindowMessages,
            LaneWindowBytes = windowBytes ?? defaults.LaneWindowBytes,
            Key = key,
            PeerTimeout = peerTimeout ?? defaults.PeerTimeout,
            MaxFrameSize = maxFrameSize ?? defaults.MaxFrameSize,
            HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(5),
            UseSharedMemory = SharedMemory,
        };
    }

    /// <summary>Socket and key files still in the directory.</summary>
    public string[] LeftoverFiles() => Directory.Exists(Path) ? Directory.GetFiles(Path) : [];

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path))
                Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
