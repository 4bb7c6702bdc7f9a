using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Channels.Benchmarks.SideBySide;

namespace Channels.Benchmarks.Systems.Python;

/// <summary>
/// Python's multiprocessing Pipe, Queue and Pool, measured by the seed script <c>bench_multiprocessing.py</c> in this
/// run with the same scale (hence the same message counts) and the same number of runs; its medians are parsed
/// from the last line <c>JSON {...}</c>. Without python3 or the script the rows say so instead.
/// </summary>
public static class PythonSystem
{
    /// <summary>Runs the script and returns one row per case it covers (the struct case has no Python counterpart).</summary>
    public static async Task<IReadOnlyList<Measurement>> RunAsync(string? scriptPath, double scale, int runs, IReadOnlyList<CaseSpec> cases, TimeSpan timeout)
    {
        string? unavailable = null;
        JsonElement medians = default;
        string? version = null;
        if (scriptPath is null)
        {
            unavailable = $"unavailable: bench_multiprocessing.py not found (set {RepositoryPaths.PythonScriptVariable} or --python-script)";
        }
        else
        {
            try
            {
                (medians, version) = await RunScriptAsync(scriptPath, scale, runs, timeout).ConfigureAwait(false);
            }
            catch (Win32Exception ex)
            {
                unavailable = "unavailable: python3 could not be started (" + ex.Message + ")";
            }
            catch (Exception ex)
            {
                unavailable = "failed: " + PairDriver.Describe(ex);
            }
        }

        var rows = new List<Measurement>();
        foreach (CaseSpec spec in cases)
        {
            if (NameOf(spec.Kind) is not { } name)
            {
                continue; // a case the seed has no counterpart of (calls, JetStream, the CPU-bound pool)
            }

            if (spec.Kind == CaseKind.Struct32)
            {
                rows.Add(Measurement.Missing(name, spec, "no such case in the seed (Python has no unmanaged structs)"));
                continue;
            }

            if (unavailable is not null)
            {
                rows.Add(Measurement.Missing(name, spec, unavailable));
                continue;
            }

            rows.Add(ToMeasurement(name, spec, medians, version));
        }

        return rows;
    }

    /// <summary>The Python row's name for <paramref name="kind"/>, or <see langword="null"/> where the seed has no such case.</summary>
    public static string? NameOf(CaseKind kind) => kind switch
    {
        CaseKind.Small or CaseKind.Struct32 or CaseKind.Bytes1K or CaseKind.Bytes64K or CaseKind.PingPong => SystemNames.PythonPipe,
        CaseKind.Queue1P1C or CaseKind.Queue2P2C or CaseKind.Queue4P4C => SystemNames.PythonQueue,
        CaseKind.PoolMap or CaseKind.PoolUnordered => SystemNames.PythonPool,
        _ => null,
    };

    private static Measurement ToMeasurement(string name, CaseSpec spec, JsonElement medians, string? version)
    {
        string key = spec.Kind switch
        {
            CaseKind.Small => "pipe_small_msgs_per_s",
            CaseKind.Bytes1K => "pipe_1k",
            CaseKind.Bytes64K => "pipe_64k",
            CaseKind.PingPong => "pingpong_us_p50_p99",
            CaseKind.Queue1P1C => "queue_1p1c_items_per_s",
            CaseKind.Queue2P2C => "queue_2p2c_items_per_s",
            CaseKind.Queue4P4C => "queue_4p4c_items_per_s",
            CaseKind.PoolMap => "pool_map_tasks_per_s",
            _ => "pool_imap_unordered_tasks_per_s",
        };
        if (!medians.TryGetProperty(key, out JsonElement value))
        {
            return Measurement.Missing(name, spec, $"the script printed no '{key}'");
        }

        string? note = version is null ? null : "python " + version;
        if (spec.IsPool)
        {
            note += string.Create(CultureInfo.InvariantCulture, $", {Environment.ProcessorCount} workers (os.cpu_count())");
        }

        if (spec.Kind == CaseKind.PingPong)
        {
            return new Measurement { System = name, Case = spec, P50Microseconds = value[0].GetDouble(), P99Microseconds = value[1].GetDouble(), Note = note };
        }

        // Tuples (msg/s, MB/s) arrive as arrays, plain rates as numbers.
        double rate = value.ValueKind == JsonValueKind.Array ? value[0].GetDouble() : value.GetDouble();
        double? megabytes = value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 1 && spec.PayloadBytes > 0 ? value[1].GetDouble() : null;
        return new Measurement { System = name, Case = spec, MessagesPerSecond = rate, MegabytesPerSecond = megabytes, Note = note };
    }

    private static async Task<(JsonElement Medians, string? Version)> RunScriptAsync(string scriptPath, double scale, int runs, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("python3")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        info.ArgumentList.Add(scriptPath);
        info.ArgumentList.Add("fork");
        info.ArgumentList.Add(runs.ToString(CultureInfo.InvariantCulture));
        info.Environment["BENCH_SCALE"] = scale.ToString("R", CultureInfo.InvariantCulture);

        using Process process = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            string? json = null;
            string? version = null;
            while (await process.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false) is { } line)
            {
                Console.Error.WriteLine("    [python] " + line);
                if (line.StartsWith("JSON ", StringComparison.Ordinal))
                {
                    json = line[5..];
                }
                else if (line.StartsWith("# start method", StringComparison.Ordinal))
                {
                    int at = line.LastIndexOf("python ", StringComparison.Ordinal);
                    version = at >= 0 ? line[(at + 7)..].Trim() : null;
                }
            }

            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            if (process.ExitCode != 0 || json is null)
            {
                throw new InvalidOperationException($"bench_multiprocessing.py exited with code {process.ExitCode}{(json is null ? " without a JSON line" : string.Empty)}");
            }

            using JsonDocument document = JsonDocument.Parse(json);
            return (document.RootElement.Clone(), version);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"bench_multiprocessing.py did not finish within {timeout.TotalMinutes:0} min");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
