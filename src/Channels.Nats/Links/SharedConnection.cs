using NATS.Client.Core;

namespace Channels.Nats.Links;

/// <summary>
/// A NATS connection shared by a listener and the links it carries: closed when its last user releases it, and
/// reporting its loss (the server went away) to every link on it, which then ends at once.
/// </summary>
internal sealed class SharedConnection
{
    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private int _users = 1;
    private event Action? LostHandlers;

    public SharedConnection(NatsConnection connection)
    {
        Connection = connection;
        connection.ConnectionDisconnected += OnDisconnected;
    }

    public NatsConnection Connection { get; }

    /// <summary>Adds a user; <paramref name="onLost"/> runs if the connection drops while it uses it.</summary>
    public void AddUser(Action onLost)
    {
        lock (_lock)
        {
            _users++;
            LostHandlers += onLost;
        }
    }

    /// <summary>Removes a user (<paramref name="onLost"/> as given to <see cref="AddUser"/>, or null for the creator); the last closes the connection.</summary>
    public async ValueTask ReleaseAsync(Action? onLost)
    {
        bool last;
        lock (_lock)
        {
            if (onLost is not null)
                LostHandlers -= onLost;
            last = --_users == 0;
        }
        if (last)
        {
            Connection.ConnectionDisconnected -= OnDisconnected;
            await FlushAsync().ConfigureAwait(false);
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    // A link's last messages (its Close frame, its end marker) are only in the connection's buffer when their publish
    // returns: a round trip to the server makes sure they left before the connection closes.
    private async ValueTask FlushAsync()
    {
        if (Connection.ConnectionState != NatsConnectionState.Open)
            return;
        using var timeout = new CancellationTokenSource(FlushTimeout);
        try
        {
            await Connection.PingAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException)
        {
            // The server is gone: nothing more can leave.
        }
    }

    private ValueTask OnDisconnected(object? sender, NatsEventArgs args)
    {
        Action? handlers;
        lock (_lock)
            handlers = LostHandlers;
        handlers?.Invoke();
        return ValueTask.CompletedTask;
    }
}
