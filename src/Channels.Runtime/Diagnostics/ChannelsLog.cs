using Microsoft.Extensions.Logging;

namespace Channels.Diagnostics;

/// <summary>
/// The runtime's log events (category <c>Channels</c>), source-generated. Ids are fixed by the catalogue in
/// docs/observability.md; each event is declared here when the code that logs it is.
/// </summary>
internal static partial class ChannelsLog
{
    /// <summary>The category of every runtime event.</summary>
    public const string Category = "Channels";

    /// <summary>The logger of <paramref name="options"/>, or null when logging is off (the default: nothing is created).</summary>
    public static ILogger? For(ChannelOptions options) => options.LoggerFactory?.CreateLogger(Category);

    [LoggerMessage(EventId = 1, EventName = "ListenerStarted", Level = LogLevel.Information, Message = "Listening for {Contract} at {Endpoint}")]
    public static partial void ListenerStarted(ILogger logger, string contract, string endpoint);

    [LoggerMessage(EventId = 4, EventName = "LinkConnected", Level = LogLevel.Debug, Message = "Connected to {Contract} at {Endpoint}")]
    public static partial void LinkConnected(ILogger logger, string contract, string endpoint);

    [LoggerMessage(EventId = 5, EventName = "ConnectFailed", Level = LogLevel.Warning, Message = "Connecting to {Contract} at {Endpoint} failed: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, Exception exception, string contract, string endpoint, string reason);

    [LoggerMessage(EventId = 9, EventName = "QueueHosted", Level = LogLevel.Information, Message = "Hosting the queues of {Contract} at {Endpoint}")]
    public static partial void QueueHosted(ILogger logger, string contract, string endpoint);

    [LoggerMessage(EventId = 10, EventName = "QueueOpened", Level = LogLevel.Debug, Message = "Opened the queues of {Contract} at {Endpoint}")]
    public static partial void QueueOpened(ILogger logger, string contract, string endpoint);
}
