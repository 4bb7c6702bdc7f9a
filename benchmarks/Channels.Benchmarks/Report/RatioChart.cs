using Channels.Benchmarks.SideBySide;
using Channels.Benchmarks.Systems;

namespace Channels.Benchmarks.Report;

/// <summary>
/// The chart of the report: per case, one bar per system for its speed relative to the hand-written baseline of
/// the same run (throughput ratio; for ping-pong the baseline's p50 over the system's, so higher is better
/// everywhere), on a log scale with the baseline as the line at 1×.
/// </summary>
public static class RatioChart
{
    private const double Width = 960;
    private const double Height = 460;
    private const double Left = 70;
    private const double Right = 20;
    private const double Top = 56;
    private const double Bottom = 130;

    private static readonly CaseKind[] ChartedCases = [CaseKind.Small, CaseKind.Struct32, CaseKind.Bytes1K, CaseKind.Bytes64K, CaseKind.PingPong];

    private static readonly (string System, string Color)[] Palette =
    [
        (SystemNames.ChannelsUnix, "#1f5fa8"),
        (SystemNames.ChannelsShm, "#7b2fa8"),
        (SystemNames.ChannelsShmSpin, "#c59be0"),
        (SystemNames.ChannelsInProcess, "#a9cbef"),
        (SystemNames.BclBounded, "#c7c7c7"),
        (SystemNames.CodecAlone, "#8c8c5a"),
        (SystemNames.JsonRpc, "#e07b1a"),
        (SystemNames.PythonPipe, "#3a9a3a"),
    ];

    /// <summary>Renders the chart of <paramref name="report"/> as SVG text.</summary>
    public static string Render(BenchmarkReport report)
    {
        var svg = new SvgWriter(Width, Height);
        svg.Text(Width / 2, 22, "Speed relative to the hand-written Unix socket + MemoryPack baseline (same run; higher is better)", "middle", 14, bold: true);
        svg.Text(Width / 2, 40, "throughput ratio per case; ping-pong: baseline p50 ÷ system p50; log scale", "middle", 11, "#555555");

        var systems = new List<string>();
        foreach ((string system, _) in Palette)
        {
            foreach (CaseKind kind in ChartedCases)
            {
                if (report.Find(system, kind) is not null && !systems.Contains(system))
                {
                    systems.Add(system);
                }
            }
        }

        double min = 0.5;
        double max = 2;
        foreach (string system in systems)
        {
            foreach (CaseKind kind in ChartedCases)
            {
                if (report.Find(system, kind) is { } row && report.SpeedupOverBaseline(row) is > 0 and var value)
                {
                    min = Math.Min(min, value);
                    max = Math.Max(max, value);
                }
            }
        }

        double lowDecade = Math.Max(-4, Math.Floor(Math.Log10(min)));
        double highDecade = Math.Ceiling(Math.Log10(max));
        double plotHeight = Height - Top - Bottom;
        double plotWidth = Width - Left - Right;
        double Y(double value) => Top + plotHeight * (1 - ((Math.Log10(value) - lowDecade) / (highDecade - lowDecade)));

        for (double decade = lowDecade; decade <= highDecade; decade++)
        {
            double value = Math.Pow(10, decade);
            double y = Y(value);
            svg.Line(Left, y, Width - Right, y, "#dddddd");
            svg.Text(Left - 6, y + 4, Format.Decade(value), "end", 11, "#555555");
        }

        double groupWidth = plotWidth / ChartedCases.Length;
        for (int c = 0; c < ChartedCases.Length; c++)
        {
            CaseKind kind = ChartedCases[c];
            double groupLeft = Left + (c * groupWidth);
            CaseSpec? spec = FindSpec(report, kind);
            svg.Text(groupLeft + (groupWidth / 2), Height - Bottom + 18, spec?.Label ?? kind.ToString(), "middle", 12, bold: true);
            if (systems.Count == 0)
            {
                continue;
            }

            double barWidth = Math.Min(36, (groupWidth - 24) / systems.Count);
            double barsLeft = groupLeft + ((groupWidth - (barWidth * systems.Count)) / 2);
            for (int s = 0; s < systems.Count; s++)
            {
                double x = barsLeft + (s * barWidth);
                Measurement? row = report.Find(systems[s], kind);
                double? value = row is null ? null : report.SpeedupOverBaseline(row);
                if (value is not > 0)
                {
                    svg.Text(x + (barWidth / 2), Y(Math.Pow(10, lowDecade)) - 4, "n/a", "middle", 9, "#999999");
                    continue;
                }

                double top = Y(Math.Clamp(value.Value, Math.Pow(10, lowDecade), Math.Pow(10, highDecade)));
                double bottom = Y(Math.Pow(10, lowDecade));
                svg.Rect(x + 1, top, barWidth - 2, Math.Max(1, bottom - top), ColorOf(systems[s]), $"{systems[s]}, {spec?.Label}: {Format.Ratio(value)}");
                svg.Text(x + (barWidth / 2), top - 4, Format.Ratio(value), "middle", 9, "#333333");
            }
        }

        svg.Line(Left, Y(1), Width - Right, Y(1), "#b22222", 1.5, "6 4");
        svg.Line(Left, Top, Left, Top + plotHeight, "#888888");

        double legendY = Height - Bottom + 48;
        svg.Line(Left, legendY - 4, Left + 24, legendY - 4, "#b22222", 1.5, "6 4");
        svg.Text(Left + 30, legendY, SystemNames.HandWritten + " = 1×", "start", 12);
        double legendX = Left + 60 + (SystemNames.HandWritten.Length * 7.2);
        foreach (string system in systems)
        {
            double itemWidth = 26 + (system.Length * 7.2);
            if (legendX + itemWidth > Width - Right)
            {
                legendX = Left;
                legendY += 22;
            }

            svg.Rect(legendX, legendY - 10, 12, 12, ColorOf(system));
            svg.Text(legendX + 18, legendY, system, "start", 12);
            legendX += itemWidth;
        }

        svg.Text(Left, Height - 14, $"{report.Machine.Cores} cores, {report.Machine.Cpu}; scale {report.Options.Scale}, median of {report.Options.Runs} runs; {report.Finished:yyyy-MM-dd HH:mm} UTC", "start", 10, "#777777");
        return svg.ToString();
    }

    private static CaseSpec? FindSpec(BenchmarkReport report, CaseKind kind)
    {
        foreach (CaseSpec spec in report.Cases)
        {
            if (spec.Kind == kind)
            {
                return spec;
            }
        }

        return null;
    }

    private static string ColorOf(string system)
    {
        foreach ((string name, string color) in Palette)
        {
            if (name == system)
            {
                return color;
            }
        }

        return "#888888";
    }
}
