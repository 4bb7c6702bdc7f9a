namespace Channels.Benchmarks.SideBySide;

/// <summary>Finds the repository root (the folder with <c>Channels.sln</c>) and the Python seed script.</summary>
public static class RepositoryPaths
{
    /// <summary>The environment variable that names the Python seed script.</summary>
    public const string PythonScriptVariable = "CHANNELS_BENCH_PYTHON_SCRIPT";

    /// <summary>The repository root above the current directory or the executable, or the current directory.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The Python seed script: <paramref name="explicitPath"/> when given, else <see cref="PythonScriptVariable"/>,
    /// else <c>shared/reference/bench_multiprocessing.py</c> beside the repository (or beside a folder above it, as
    /// for a git worktree). <see langword="null"/> when none exists.
    /// </summary>
    public static string? FindPythonScript(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return File.Exists(explicitPath) ? Path.GetFullPath(explicitPath) : null;
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(PythonScriptVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return File.Exists(fromEnvironment) ? Path.GetFullPath(fromEnvironment) : null;
        }

        for (DirectoryInfo? dir = new DirectoryInfo(Root).Parent; dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "reference", "bench_multiprocessing.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string FindRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Channels.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }
}
