using Channels.Runtime.Tests.Processes;
using Channels.TestChild.Chaos;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.Chaos;

/// <summary>
/// The short chaos run of CI: SIGKILL and SIGSTOP of either end of a link and of a child, at random moments. Every
/// survivor ends within PeerTimeout + 2 s with PeerLostException, having read exactly a prefix of what was sent, with
/// bounded memory. The long run is <c>dotnet Channels.TestChild.dll chaos 1000</c> (docs/reliability.md).
/// </summary>
[Collection(nameof(ProcessTestsCollection))]
[Trait("Category", "Chaos")]
public sealed class ChaosTests(ITestOutputHelper output)
{
    // Kinds take turns, so eight trials cover all six (link writer/reader and child, KILL and STOP); the seed picks the moments.
    private const int Seed = 42;
    private const int Trials = 8;

    [Fact]
    public async Task EightTrialsOfKilledAndStoppedEndsHangNothingLoseNothingAndStayBounded()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<ChaosTrial> trials = await ChaosDriver.RunAsync(Trials, parallel: 2, Seed, TimeSpan.FromSeconds(1), trial => output.WriteLine(trial.ToString()))
            .WaitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine(ChaosDriver.Summarize(trials, clock.Elapsed));

        Assert.All(trials, trial => Assert.Null(trial.Violation));
        Assert.All(trials, trial => Assert.NotNull(trial.DetectionSeconds));
        var kinds = new HashSet<string>();
        foreach (ChaosTrial trial in trials)
            kinds.Add($"{trial.Kind}/{trial.Victim}/{trial.Signal}");
        Assert.Equal(6, kinds.Count);
        Assert.Contains(trials, trial => trial.Delivered > 0);
    }
}
