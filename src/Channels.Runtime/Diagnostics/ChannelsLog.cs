using Microsoft.Extensions.Logging;

namespace Channels.Diagnostics;

/// <summary>
/// The runtime's log events (category <c>Channels</c>), source-generated. Ids, names, levels and fields are fixed by
/// the catalogue in docs/observability.md.
/// </summary>
internal static partial class ChannelsLog
{
    /// <summary>The category of every runtime event.</summary>
    public const string Category = "Channels";

    /// <summary>The logger of <paramref name="options"/>, or null when logging is off (the default: nothing is created).</summary>
    public static ILogger? For(ChannelOptions options) => options.LoggerFactory?.CreateLogger(Category);

    [LoggerMessage(EventId = 1, EventName = "ListenerStarted", Level = LogLevel.Information, Message = "Listening for {Contract} at {Endpoint}")]
    public static partial void ListenerStarted(ILogger logger, string contract, string endpoint);

    [LoggerMessage(EventId = 2, EventName = "LinkAccepted", Level = LogLevel.Debug, Message = "Accepted a link of {Contract} at {Endpoint}")]
    public static partial void LinkAccepted(ILogger logger, string contract, string endpoint);

    [LoggerMessage(EventId = 3, EventName = "HandshakeRefused", Level = LogLevel.Warning, Message = "Refused a connection to {Contract} at {Endpoint}: {Reason} (the other side has contract '{RemoteContract}')")]
    public static partial void HandshakeRefused(ILogger logger, Exception? exception, string contract, string endpoint, string reason, string remoteContract);

    [LoggerMessage(EventId = 4, EventName = "LinkConnected", Level = LogLevel.Debug, Message = "Connected to {Contract} at {Endpoint}")]
    public static partial void LinkConnected(ILogger logger, string contract, string endpoint);

    [LoggerMessage(EventId = 5, EventName = "ConnectFailed", Level = LogLevel.Warning, Message = "Connecting to {Contract} at {Endpoint} failed: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, Exception exception, string contract, string endpoint, string reason);

    [LoggerMessage(EventId = 6, EventName = "PeerLost", Level = LogLevel.Warning, Message = "The peer of a {Contract} link was lost (exit code {ExitCode}, signal {Signal})")]
    public static partial void PeerLost(ILogger logger, Exception exception, string contract, int? exitCode, int? signal);

    [LoggerMessage(EventId = 7, EventName = "ProtocolError", Level = LogLevel.Error, Message = "A {Contract} link ended on a protocol error ({Error}) on lane '{Lane}'")]
    public static partial void ProtocolError(ILogger logger, Exception exception, string contract, string lane, string error);

    [LoggerMessage(EventId = 8, EventName = "LaneFaulted", Level = LogLevel.Debug, Message = "The remote writer of lane '{Lane}' of {Contract} failed: {RemoteType}: {RemoteMessage}")]
    public static partial void LaneFaulted(ILogger logger, string contract, string lane, string remoteType, string remoteMessage);

    [LoggerMessage(EventId = 9, EventName = "QueueHosted", Level = LogLevel.Information, Message = "Hosting the queues of {Contract} at {Endpoint}")]
    public static partial void QueueHosted(ILogger logger, string contract, string endpoint);

    [LoggerMessage(EventId = 10, EventName = "QueueOpened", Level = LogLevel.Debug, Message = "Opened the queues of {Contract} at {Endpoint}")]
    public static partial void QueueOpened(ILogger logger, string contract, string endpoint);

    [LoggerMessage(EventId = 11, EventName = "QueueRedelivered", Level = LogLevel.Information, Message = "Put back {Count} items of queue '{Queue}' of {Contract} that process {ProcessId} got and never settled")]
    public static partial void QueueRedelivered(ILogger logger, string contract, string queue, int count, int processId);

    [LoggerMessage(EventId = 12, EventName = "QueueClientLost", Level = LogLevel.Warning, Message = "Process {ProcessId} left the queues of {Contract} holding {Held} unsettled items")]
    public static partial void QueueClientLost(ILogger logger, string contract, int processId, int held);

    [LoggerMessage(EventId = 13, EventName = "ChildStarted", Level = LogLevel.Information, Message = "Started child process {ProcessId} running {Entry}")]
    public static partial void ChildStarted(ILogger logger, string entry, int processId);

    [LoggerMessage(EventId = 14, EventName = "ChildExited", Message = "Child process {ProcessId} running {Entry} exited with code {ExitCode}")]
    public static partial void ChildExited(ILogger logger, LogLevel level, string entry, int processId, int exitCode);

    [LoggerMessage(EventId = 15, EventName = "ChildFailed", Level = LogLevel.Error, Message = "The entry {Entry} of child process {ProcessId} failed: {RemoteType}: {RemoteMessage}")]
    public static partial void ChildFailed(ILogger logger, string entry, int processId, string remoteType, string remoteMessage);

    [LoggerMessage(EventId = 16, EventName = "ChildKilled", Level = LogLevel.Warning, Message = "Killed child process {ProcessId} running {Entry}: it did not exit within its grace period of {GracePeriod}")]
    public static partial void ChildKilled(ILogger logger, string entry, int processId, TimeSpan gracePeriod);
}
