namespace Channels.Nats.Tests.Infrastructure;

/// <summary>A test server that exited before it was ready, with the last lines of its log in the message.</summary>
public sealed class NatsServerExitedException(string message) : InvalidOperationException(message);
