using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Channels.Benchmarks.Report;

/// <summary>The machine a run happened on, read at run time.</summary>
/// <param name="Cores">Logical processors (what <c>nproc</c> says).</param>
/// <param name="Cpu">The first <c>model name</c> of <c>/proc/cpuinfo</c>.</param>
/// <param name="MemoryGiB">MemTotal of <c>/proc/meminfo</c>.</param>
/// <param name="Os">The kernel and distribution.</param>
/// <param name="DotnetSdk">What <c>dotnet --version</c> prints.</param>
/// <param name="DotnetRuntime">The runtime this process runs on.</param>
/// <param name="Python">What <c>python3 --version</c> prints.</param>
public sealed record MachineInfo(int Cores, string Cpu, double? MemoryGiB, string Os, string DotnetSdk, string DotnetRuntime, string Python)
{
    /// <summary>Reads the machine's facts; anything unreadable becomes "unknown".</summary>
    public static MachineInfo Collect() => new(
        Environment.ProcessorCount,
        ReadCpuModel(),
        ReadMemoryGiB(),
        RuntimeInformation.OSDescription,
        RunQuietly("dotnet", "--version") ?? "unknown",
        RuntimeInformation.FrameworkDescription,
        RunQuietly("python3", "--version") ?? "not found");

    private static string ReadCpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return "unknown";
    }

    private static double? ReadMemoryGiB()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) / (1024.0 * 1024.0);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static string? RunQuietly(string file, string argument)
    {
        try
        {
            var info = new ProcessStartInfo(file, argument) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using Process process = Process.Start(info)!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit(10_000);
            return output.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
