using Channels.Wire;

namespace Channels.Transports;

/// <summary>The link side of a transport: where received frames go. See <see cref="ILinkTransport"/> for the rules.</summary>
internal interface IFrameReceiver
{
    /// <summary>One validated frame; <paramref name="payload"/> is valid during the call only.</summary>
    /// <exception cref="ProtocolException">The frame breaks the protocol; the transport then ends with it.</exception>
    void OnFrame(FrameHeader header, ReadOnlyMemory<byte> payload);

    /// <summary>Receiving ended: <see langword="null"/> at an orderly end of stream, else why.</summary>
    void OnEnd(Exception? error);
}
