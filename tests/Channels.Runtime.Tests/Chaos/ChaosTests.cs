using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Chaos;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.Chaos;

/// <summary>
/// The short chaos run of CI: SIGKILL and SIGSTOP, at random moments, of either end of a link, of a child, and of the
/// host, a producer and a consumer of a plain and of a redelivery queue. Every survivor's pending call ends within
/// PeerTimeout + 2 s; links deliver exactly a prefix of what was sent; queues lose no returned put while the host
/// lives and duplicate only in redelivery mode from the killed consumer; memory stays bounded. The long run is
/// <c>dotnet Channels.TestChild.dll chaos 1000</c> (docs/reliability.md).
/// </summary>
[Collection(nameof(ProcessTestsCollection))]
[Trait("Category", "Chaos")]
public sealed class ChaosTests(ITestOutputHelper output)
{
    // Kinds take turns, so 18 trials cover all 18 (child, link writer and reader; queue host, producer and consumer,
    // plain and redelivery; each with KILL and STOP); the seed picks the moments.
    private const int Seed = 42;
    private const int Trials = ChaosDriver.Kinds;

    [Fact]
    public async Task OneTrialOfEveryKindOfKilledOrStoppedEndHangsNothingLosesNothingAndStaysBounded()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<ChaosTrial> trials = await ChaosDriver.RunAsync(Trials, parallel: 2, Seed, TimeSpan.FromSeconds(1), trial => output.WriteLine(trial.ToString()))
            .WaitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine(ChaosDriver.Summarize(trials, clock.Elapsed));

        Assert.All(trials, trial => Assert.Null(trial.NotStarted));
        Assert.All(trials, trial => Assert.Null(trial.Violation));
        Assert.All(trials, trial => Assert.NotNull(trial.DetectionSeconds));
        var kinds = new HashSet<string>();
        foreach (ChaosTrial trial in trials)
            kinds.Add($"{trial.Kind}/{trial.Victim}/{trial.Signal}");
        Assert.Equal(ChaosDriver.Kinds, kinds.Count);
        Assert.All(trials, trial => Assert.True(trial.Delivered > 0, $"trial {trial.Number} ({trial.Kind}/{trial.Victim}) moved nothing before the signal"));
        // Duplicates only where promised: the killed or stopped consumer of a redelivery queue.
        Assert.All(trials, trial => Assert.True(trial.Duplicates == 0 || trial is { Kind: "redelivery-queue", Victim: "consumer" }, trial.ToString()));
    }
}
