namespace Channels.Queues;

/// <summary>
/// The kinds of frame on a queue connection (values distinct from the link kinds of <see cref="Channels.Wire.FrameKind"/>, so a
/// frame of one protocol sent to the other is rejected as unknown; never renumber). Integers in payloads are little-endian <see cref="int"/>s.
/// Client to host: items and the bookkeeping that lets the host enforce capacity and redeliver.
/// Host to client: items for consumers and the answers to requests.
/// </summary>
internal enum QueueFrameKind : byte
{
    /// <summary>Client puts one item (payload: its encoding) using one room slot granted earlier.</summary>
    Put = 16,

    /// <summary>Client asks for room for <c>n</c> more items.</summary>
    RequestRoom = 17,

    /// <summary>Client gives back <c>n</c> room slots it does not need.</summary>
    ReturnRoom = 18,

    /// <summary>Client can take <c>n</c> more items; second field: 1 when takes acknowledge items (plain Queue semantics).</summary>
    Credit = 19,

    /// <summary>Client's user got <c>n</c> delivered items: they leave the queue's count and the client may receive <c>n</c> more.</summary>
    Took = 20,

    /// <summary>Client called TaskDone <c>n</c> times.</summary>
    Done = 21,

    /// <summary>Client waits for every item put to be done; payload: a request id.</summary>
    Join = 22,

    /// <summary>Client asks for the queue's count; payload: a request id.</summary>
    CountQuery = 23,

    /// <summary>Client closes the queue for everyone.</summary>
    Close = 24,

    /// <summary>Host delivers one item (payload: its encoding).</summary>
    Item = 48,

    /// <summary>Host grants room for <c>n</c> items.</summary>
    GrantRoom = 49,

    /// <summary>Host answers a join: payload: the request id.</summary>
    JoinDone = 50,

    /// <summary>Host answers a count query: the request id, then the count.</summary>
    CountReply = 51,

    /// <summary>The queue was closed: puts fail from now on.</summary>
    Closed = 52,

    /// <summary>The queue is closed and every item has been got: readers end.</summary>
    Drained = 53,
}
