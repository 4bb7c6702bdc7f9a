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

    /// <summary>The hosting session of <paramref name="host"/>.</summary>
    public static HostQueueSession HostSession(object host) => (HostQueueSession)((IQueueEndpoint)host).Session;

    /// <summary>Waits until the host has noticed that its members are gone (and so has repaired after them).</summary>
    public static async Task WaitForNoMembersAsync(object host)
    {
        var session = HostSession(host);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (session.MemberCount != 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The host still has {session.MemberCount} members.");
            await Task.Delay(10);
        }
        // Repair runs right after the member leaves the list.
        await Task.Delay(50);
    }

    /// <summary>Deletes what a host killed by a test left in the runtime directory (socket, key, segments).</summary>
    public static void DeleteLeftovers(string name)
    {
        string directory = Channels.Transports.RuntimeDirectory.Ensure(ChannelOptions.Default);
        foreach (string file in Directory.EnumerateFiles(directory, name + ".*"))
            File.Delete(file);
    }

    public static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
