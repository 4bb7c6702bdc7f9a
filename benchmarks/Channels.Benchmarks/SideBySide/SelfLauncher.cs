using System.Diagnostics;
using System.Reflection;

namespace Channels.Benchmarks.SideBySide;

/// <summary>Starts this benchmark executable again in a child role, whether it runs as an apphost or under <c>dotnet</c>.</summary>
public static class SelfLauncher
{
    /// <summary>A start description that runs this executable with <paramref name="arguments"/>, standard input and output redirected.</summary>
    public static ProcessStartInfo CreateStartInfo(IReadOnlyList<string> arguments)
    {
        string processPath = Environment.ProcessPath ?? throw new InvalidOperationException("the benchmark cannot find its own executable (Environment.ProcessPath is null)");
        var info = new ProcessStartInfo(processPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };

        // Under `dotnet Channels.Benchmarks.dll` the process is the muxer: hand it the assembly again.
        if (string.Equals(Path.GetFileNameWithoutExtension(processPath), "dotnet", StringComparison.Ordinal))
        {
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }
}
