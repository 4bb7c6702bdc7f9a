namespace Channels.Nats.Tests.Infrastructure;

/// <summary>One nats-server shared by the tests of a class (each test uses its own endpoint names).</summary>
public sealed class NatsServerFixture : IAsyncLifetime
{
    private NatsServer? _server;

    /// <summary>The server.</summary>
    public NatsServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <inheritdoc/>
    public async Task InitializeAsync() => _server = await NatsServer.StartAsync();

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
