using System.Threading.Channels;

namespace Channels.Runtime.Tests.Infrastructure;

/// <summary>A reader that takes every message it is given until a read throws, for tests of how a link ends mid-stream.</summary>
internal static class ReadUntilFailure
{
    /// <summary>Reads <paramref name="reader"/> on the thread pool until a read throws: what it got, and the exception.</summary>
    public static Task<(List<T> Got, Exception Error)> StartAsync<T>(ChannelReader<T> reader) => Task.Run(async () =>
    {
        var got = new List<T>();
        try
        {
            while (true)
                got.Add(await reader.ReadAsync());
        }
        catch (Exception ex)
        {
            return (got, ex);
        }
    });
}
