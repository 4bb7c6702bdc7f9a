using Channels.Wire;

namespace Channels.Transports;

/// <summary>The link side of a transport: where received frames go. See <see cref="ILinkTransport"/> for the rules.</summary>
internal interface IFrameReceiver
{
    /// <summary>One validated frame; <paramref name="payload"/> is valid during the call only.</summary>
    /// <exception cref="ProtocolException">The frame breaks the protocol; the transport then ends with it.</exception>
    void OnFrame(FrameHeader header, ReadOnlyMemory<byte> payload);

    /// <summary>
    /// A frame with at least <see cref="FrameLayout.LargeFrameBytes"/> of payload is arriving and only its header and
    /// the first <see cref="FrameLayout.LargeFrameHeadSize"/> payload bytes (<paramref name="head"/>) are here: the
    /// receiver may return an array of exactly <c>PayloadLength - LargeFrameHeadSize</c> bytes that the rest of the
    /// payload is received into, sparing a copy through the transport's buffer (see <see cref="OnLargeFrame"/>), or
    /// null to take the frame through <see cref="OnFrame"/> as usual. The header is validated already.
    /// </summary>
    byte[]? LargeFrameDestination(FrameHeader header, ReadOnlySpan<byte> head) => null;

    /// <summary>
    /// The whole of a frame whose destination the receiver named in <see cref="LargeFrameDestination"/>: its first
    /// payload bytes in <paramref name="head"/> (valid during the call only), the rest in <paramref name="rest"/>,
    /// which from now on belongs to the receiver. Takes the place of <see cref="OnFrame"/> for that frame.
    /// </summary>
    /// <exception cref="ProtocolException">The frame breaks the protocol; the transport then ends with it.</exception>
    void OnLargeFrame(FrameHeader header, ReadOnlySpan<byte> head, byte[] rest)
        => throw new InvalidOperationException("This receiver names no destination for large frames.");

    /// <summary>
    /// While a reader of this end works through messages delivered to it, a number that grows as it reads; -1 when no
    /// reader holds any. Such a reader receives on its own thread once it has read them (see
    /// <see cref="IInlineReceiver"/>), so a transport's receive thread may leave the frames that arrive meanwhile to it
    /// for as long as the number grows, instead of delivering them on a second thread beside it.
    /// </summary>
    long ReaderProgress => -1;

    /// <summary>Receiving ended: <see langword="null"/> at an orderly end of stream, else why.</summary>
    void OnEnd(Exception? error);
}
