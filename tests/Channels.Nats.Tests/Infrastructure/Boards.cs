using Channels.Nats.Peer;
using NATS.Client.Core;

namespace Channels.Nats.Tests.Infrastructure;

/// <summary>The test boards: plain (<see cref="INatsBoard"/>) or redelivery (<see cref="INatsRedeliverBoard"/>), created or opened here.</summary>
public static class Boards
{
    /// <summary>Creates (or opens) the board at <paramref name="endpoint"/>.</summary>
    public static async Task<(IAsyncDisposable Board, ProcessQueue<int> Items)> OpenAsync(string endpoint, bool plain, bool create, TimeSpan? ackWait = null, int replicas = 1)
    {
        var options = new ChannelOptions
        {
            Transport = new NatsTransportOptions
            {
                AckWait = ackWait ?? TimeSpan.FromSeconds(30),
                Replicas = replicas,
                // A patient first connection: the machine of the tests is shared and busy.
                Connection = NatsOpts.Default with { ConnectTimeout = TimeSpan.FromSeconds(15) },
            },
        };
        if (plain)
        {
            INatsBoard board = create ? INatsBoard.Create(endpoint, options) : await INatsBoard.OpenAsync(endpoint, options);
            return (board, board.Items);
        }
        INatsRedeliverBoard redeliver = create ? INatsRedeliverBoard.Create(endpoint, options) : await INatsRedeliverBoard.OpenAsync(endpoint, options);
        return (redeliver, redeliver.Items);
    }
}
