using System.Security.Cryptography;

namespace Channels.Hosting.Tests;

internal static class TestPaths
{
    /// <summary>The <c>dotnet</c> host running these tests.</summary>
    public static string DotNet => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    /// <summary>The sample's built program, in the configuration these tests were built in (the test project depends on it).</summary>
    public static string Sample(string name)
    {
        string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<configuration>/net10.0
        string path = Path.Combine(RepositoryRoot(), "samples", name, "bin", configuration, "net10.0", name + ".dll");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: build the solution first.", path);
        return path;
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Channels.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("Channels.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A fresh private directory (mode 0700) under the temp folder.</summary>
    public static string NewPrivateDirectory(string prefix)
    {
        string path = Path.Combine(Path.GetTempPath(), prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)));
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
