using System.Globalization;
using Channels.Runtime.Tests.Infrastructure;
using Channels.Runtime.Tests.Lanes;
using Channels.TestChild.Contracts;
using Channels.TestChild.Scenarios;
using Xunit;

namespace Channels.Runtime.Tests.CrossProcess;

/// <summary>
/// Lane stress across processes over the Unix socket (issue 9, acceptance 2): the reading side is a child process
/// that checks every message arrived once and in order per writer and prints "ok".
/// </summary>
[Collection(nameof(LaneStressCollection))]
public sealed class LaneStressProcessTests : IDisposable
{
    private static readonly TimeSpan Hang = TimeSpan.FromMinutes(4);
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("stress-one-reader", 4, 2_500_000)]
    [InlineData("stress-many-readers", 4, 10_000_000)]
    public async Task TenMillionMessagesReachAChildOnceAndInOrder(string scenario, int parallelism, long count)
    {
        await using var listener = ISimple.Listen("stress", _directory.Options());
        await using Child child = Child.Start(_directory, scenario, ["stress", parallelism.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture)]);
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        int writers = scenario == "stress-one-reader" ? parallelism : 1;
        await LaneStress.WriteAsync(opener.Numbers, writers, count).WaitAsync(Hang);
        opener.Numbers.Complete();
        Assert.Equal("ok", await child.WaitForLineAsync("", Hang));
        Assert.Equal(0, await child.WaitForExitAsync(Hang));
    }

    [Fact]
    public async Task SingleMessagesEachWakeAParkedReaderInTheChild()
    {
        await using var listener = ISimple.Listen("bursts", _directory.Options());
        await using Child child = Child.Start(_directory, "stress-echo", ["bursts"]);
        await using ISimple opener = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        const int count = 100_000;

        for (int i = 0; i < count; i++)
        {
            await opener.Numbers.WriteAsync(i);
            Assert.Equal(i, await opener.Echoes.ReadAsync().AsTask().WaitAsync(Hang));
        }
        opener.Numbers.Complete();
        Assert.False(await opener.Echoes.WaitToReadAsync().AsTask().WaitAsync(Hang));
        Assert.Equal(0, await child.WaitForExitAsync(Hang));
    }
}
