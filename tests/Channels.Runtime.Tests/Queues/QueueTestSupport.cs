using System.Globalization;
using Channels.Contracts;
using Channels.Queues;

namespace Channels.Runtime.Tests.Queues;

/// <summary>Names, tickets and engine access for queue tests.</summary>
internal static class QueueTestSupport
{
    public static readonly TimeSpan ChildTimeout = TimeSpan.FromSeconds(60);

    /// <summary>An endpoint name no other test uses.</summary>
    public static string UniqueName() => "qt-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The endpoint and key a child gets (<see cref="QueueSession.GetChildTicket"/>), as scenario arguments.</summary>
    public static (string Endpoint, string Key) Ticket(object board)
    {
        var (endpoint, key) = ((IQueueEndpoint)board).Session.GetChildTicket();
        return (endpoint, Convert.ToBase64String(key));
    }

    public static HostQueue<T> Host<T>(ProcessQueue<T> queue) => (HostQueue<T>)queue.Lane;

    /// <summary>Waits until the host has noticed that its clients are gone (and so has taken their items back).</summary>
    public static async Task WaitForNoClientsAsync(object host)
    {
        var session = (HostQueueSession)((IQueueEndpoint)host).Session;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (session.ClientCount != 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The host still has {session.ClientCount} clients.");
            await Task.Delay(10);
        }
    }

    public static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
