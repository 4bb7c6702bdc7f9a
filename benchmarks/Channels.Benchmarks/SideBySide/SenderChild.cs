using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Channels.Benchmarks.Systems;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// The sending process of one pair system (<see cref="SenderProcessSession"/>): connects the system, then serves
/// <c>round KIND COUNT timed|warm</c> (replies <c>ok</c>, or <c>failed REASON</c> once the system has failed),
/// <c>row KIND COUNT</c> (replies the case's <see cref="Measurement"/> as JSON) and <c>quit</c>.
/// </summary>
public static class SenderChild
{
    /// <summary>How rows travel to the runner: medians may be NaN or infinite.</summary>
    public static JsonSerializerOptions Json { get; } = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Runs the sending process of the system with id <paramref name="systemId"/>.</summary>
    public static async Task RunAsync(string systemId, string workDirectory, TimeSpan roundTimeout, IChildControl control)
    {
        PairSystem system = SystemCatalog.FindPair(systemId);

        // Only the timeout and the directory matter to one round; the driver keeps the counts of rounds.
        var settings = new RunSettings(Runs: 1, WarmupRounds: 0, WarmupTime: TimeSpan.Zero, roundTimeout, workDirectory);
        PairSession session = await PairSession.StartAsync(system, settings).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            await control.ReplyAsync(session.IsLive ? "connected" : "failed " + session.Failure).ConfigureAwait(false);
            while (await control.ReadCommandAsync(CancellationToken.None).ConfigureAwait(false) is { } command && command != "quit")
            {
                string[] parts = command.Split(' ');
                CaseSpec spec = SpecOf(Enum.Parse<CaseKind>(parts[1]), int.Parse(parts[2], CultureInfo.InvariantCulture));
                switch (parts[0])
                {
                    case "round":
                        await session.RunRoundAsync(spec, timed: parts[3] == "timed", settings).ConfigureAwait(false);
                        await control.ReplyAsync(session.IsLive ? "ok" : "failed " + session.Failure).ConfigureAwait(false);
                        break;
                    case "row":
                        await control.ReplyAsync(JsonSerializer.Serialize(session.ToMeasurement(spec), Json)).ConfigureAwait(false);
                        break;
                    default:
                        await control.ReplyAsync($"error unknown command '{command}'").ConfigureAwait(false);
                        return;
                }
            }
        }
    }

    // The case as the runner has it: its label and payload size, with the runner's scaled count.
    private static CaseSpec SpecOf(CaseKind kind, int count)
    {
        foreach (CaseSpec spec in CaseSpec.All(1))
        {
            if (spec.Kind == kind)
            {
                return spec with { Count = count };
            }
        }

        throw new ArgumentException($"no case '{kind}'", nameof(kind));
    }
}
