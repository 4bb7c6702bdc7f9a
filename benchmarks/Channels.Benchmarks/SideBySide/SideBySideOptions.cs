using System.Globalization;

namespace Channels.Benchmarks.SideBySide;

/// <summary>The side-by-side runner's command line.</summary>
public sealed record SideBySideOptions
{
    /// <summary>The default scale: the counts of the Python seed times this, sized so the whole run takes about five minutes on 2 cores.</summary>
    public const double DefaultScale = 1;

    /// <summary>Message counts relative to the Python seed (1 = its full counts).</summary>
    public double Scale { get; init; } = DefaultScale;

    /// <summary>Timed rounds per case.</summary>
    public int Runs { get; init; } = 9;

    /// <summary>Untimed rounds before them.</summary>
    public int WarmupRounds { get; init; } = 1;

    /// <summary>The least time a pair system spends in its untimed rounds per case (more rounds until it has).</summary>
    public TimeSpan WarmupTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where <c>benchmarks.md</c> and <c>benchmarks.svg</c> go.</summary>
    public string OutputDirectory { get; init; } = Path.Combine(RepositoryPaths.Root, "docs");

    /// <summary>
    /// Only these system ids (empty: all). Ids: <c>handwritten</c>, <c>channels-unix</c> (also the call round trip),
    /// <c>channels-shm</c>, <c>channels-shm-spin</c>, <c>channels-inproc</c>, <c>bcl-bounded</c>, <c>jsonrpc</c>,
    /// <c>channels-queue</c>, <c>channels-pool</c> (ProcessPool: map, unordered map, CPU-bound 1 vs 2 workers),
    /// <c>channels-nats</c> (link and JetStream queue over a nats-server the runner starts), <c>nats-raw</c> (NATS.Net
    /// used directly, the same two cases), <c>python</c> (the seed script: Pipe, Queue and Pool cases).
    /// </summary>
    public IReadOnlyList<string> Systems { get; init; } = [];

    /// <summary>Only these cases (empty: all), by their <see cref="CaseKind"/> names, e.g. <c>Small,Bytes64K</c>.</summary>
    public IReadOnlyList<CaseKind> Cases { get; init; } = [];

    /// <summary>The Python seed script, when not found by the usual search.</summary>
    public string? PythonScript { get; init; }

    /// <summary>The longest a single round may take.</summary>
    public TimeSpan RoundTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The arguments as given, for the report.</summary>
    public string CommandLine { get; init; } = "side-by-side";

    /// <summary>Whether <paramref name="id"/> was selected.</summary>
    public bool Includes(string id)
    {
        return Systems.Count == 0 || Names(id);
    }

    /// <summary>Whether <paramref name="kind"/> was selected.</summary>
    public bool Includes(CaseKind kind)
    {
        if (Cases.Count == 0)
        {
            return true;
        }

        foreach (CaseKind selected in Cases)
        {
            if (selected == kind)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="id"/> was named in <c>--systems</c>.</summary>
    public bool Names(string id)
    {
        foreach (string selected in Systems)
        {
            if (string.Equals(selected, id, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses <c>--scale S --runs N --warmup N --warmup-seconds S --out DIR --systems a,b --cases A,B --python-script PATH --round-timeout SECONDS</c>.</summary>
    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static SideBySideOptions Parse(ReadOnlySpan<string> args)
    {
        var options = new SideBySideOptions { CommandLine = ("side-by-side " + string.Join(" ", args.ToArray())).TrimEnd() };
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option '{name}' needs a value");
            options = name switch
            {
                "--scale" => options with { Scale = Positive(name, double.Parse(value, CultureInfo.InvariantCulture)) },
                "--runs" => options with { Runs = (int)Positive(name, int.Parse(value, CultureInfo.InvariantCulture)) },
                "--warmup" => options with { WarmupRounds = int.Parse(value, CultureInfo.InvariantCulture) },
                "--warmup-seconds" => options with { WarmupTime = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                "--out" => options with { OutputDirectory = Path.GetFullPath(value) },
                "--systems" => options with { Systems = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--cases" => options with { Cases = ParseCases(value) },
                "--python-script" => options with { PythonScript = value },
                "--round-timeout" => options with { RoundTimeout = TimeSpan.FromSeconds(Positive(name, double.Parse(value, CultureInfo.InvariantCulture))) },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }

        return options;
    }

    private static CaseKind[] ParseCases(string value)
    {
        string[] names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var kinds = new CaseKind[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            if (!Enum.TryParse(names[i], ignoreCase: true, out kinds[i]) || !Enum.IsDefined(kinds[i]))
            {
                throw new ArgumentException($"unknown case '{names[i]}'; the cases are {string.Join(", ", Enum.GetNames<CaseKind>())}");
            }
        }

        return kinds;
    }

    private static double Positive(string name, double value)
        => value > 0 ? value : throw new ArgumentException($"option '{name}' must be positive, got {value}");
}
