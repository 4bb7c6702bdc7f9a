using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace Channels.Package.Tests;

/// <summary>
/// The package as a new user meets it: Channels (and Channels.Hosting) packed into a temporary feed without a
/// warning; a fresh console app that references Channels from that feed (and the machine's normal NuGet sources)
/// builds with warnings as errors and runs a contract, a child over a pipe and a queue hosted here and used by a
/// child; the same app with an async lambda as a child entry fails with CHN022 (not CS0121); and the same app for
/// another platform fails with CA1416. Everything lives in one temporary directory, removed at the end; the builds
/// run without build servers, so no MSBuild node or compiler server outlives the test.
/// </summary>
public sealed partial class PackAndConsumeTests : IDisposable
{
    private const string RepositoryUrl = "https://github.com/channels-dotnet/channels";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private readonly string _root;

    public PackAndConsumeTests()
    {
        _root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "chn-package-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)));
        Directory.CreateDirectory(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still held by a build server.
        }
    }

    [Fact]
    public async Task PackedWithoutWarningsAFreshAppBuildsAndRunsAContractAChildAndAQueue()
    {
        string feed = Dir("feed");
        string version = await PackAsync("Channels.Runtime", feed, "Channels");
        Assert.Equal(version, await PackAsync("Channels.Hosting", feed, "Channels.Hosting"));
        AssertPackageLayout(System.IO.Path.Combine(feed, "Channels." + version + ".nupkg"), version);

        // A fresh app: its own folder outside the repository, its own nuget.config.
        string app = NewApp("app", version, "net10.0", "Program.cs.txt");
        (int built, string buildOutput) = await DotNetCli.RunAsync(app, null, BuildTimeout, "build", "-c", "Release", "--disable-build-servers");
        Assert.True(built == 0, "the consumer app did not build:\n" + buildOutput);
        Assert.DoesNotMatch(WarningLine(), buildOutput);

        string runtime = Dir("xdg");
        var environment = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime };
        (int exit, string output) = await DotNetCli.RunAsync(app, environment, TimeSpan.FromMinutes(2), System.IO.Path.Combine(app, "bin", "Release", "net10.0", "app.dll"));
        Assert.True(exit == 0, $"the consumer app exited {exit}:\n{output}");
        Assert.Contains("pipe: 12", output, StringComparison.Ordinal);     // "job1".."job3": 4 characters each
        Assert.Contains("queue: 30", output, StringComparison.Ordinal);    // 1 + 4 + 9 + 16
        string channels = System.IO.Path.Combine(runtime, "channels");
        Assert.Empty(Directory.Exists(channels) ? Directory.GetFileSystemEntries(channels) : []);
    }

    [Fact]
    public async Task TheAnalyzerInThePackageReportsCHN022AtALambdaAndAnotherPlatformGetsCA1416()
    {
        string feed = Dir("feed");
        string version = await PackAsync("Channels.Runtime", feed, "Channels");

        string lambda = NewApp("lambda", version, "net10.0", "Lambda.cs.txt");
        (int lambdaBuilt, string lambdaOutput) = await DotNetCli.RunAsync(lambda, null, BuildTimeout, "build", "-c", "Release", "--disable-build-servers");
        Assert.NotEqual(0, lambdaBuilt);
        Assert.Matches(@"Program\.cs\(9,73\): error CHN022: The child entry is a lambda", lambdaOutput);
        Assert.DoesNotContain("CS0121", lambdaOutput, StringComparison.Ordinal);

        // Another platform: the package does not mark the app Linux-only, so every call into Channels is CA1416.
        // (net10.0-browser builds here without a download; net10.0-windows needs the Windows Desktop reference pack.)
        string browser = NewApp("browser", version, "net10.0-browser", "Program.cs.txt");
        (int browserBuilt, string browserOutput) = await DotNetCli.RunAsync(browser, null, BuildTimeout, "build", "-c", "Release", "--disable-build-servers");
        Assert.NotEqual(0, browserBuilt);
        Assert.Matches(@"error CA1416: This call site is reachable on: 'browser'.*'ChildProcess\.StartAsync.*is only supported on: 'linux'", browserOutput);
    }

    /// <summary>Packs a project of the repository, as built by the solution build, into <paramref name="feed"/>; returns the version.</summary>
    private async Task<string> PackAsync(string project, string feed, string packageId)
    {
        string path = System.IO.Path.Combine(RepositoryRoot(), "src", project, project + ".csproj");
        (int exit, string output) = await DotNetCli.RunAsync(_root, null, BuildTimeout, "pack", path, "-c", Configuration(), "--no-build", "--disable-build-servers", "-o", feed);
        Assert.True(exit == 0, $"dotnet pack {project} failed:\n{output}");
        Assert.DoesNotMatch(WarningLine(), output);
        Match created = Regex.Match(output, "Successfully created package '.*/" + Regex.Escape(packageId) + @"\.(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)\.nupkg'");
        Assert.True(created.Success, output);
        return created.Groups[1].Value;
    }

    private static void AssertPackageLayout(string package, string version)
    {
        Assert.StartsWith("0.", version, StringComparison.Ordinal);
        Assert.Contains('-', version);      // a prerelease
        using ZipArchive zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("lib/net10.0/Channels.Runtime.dll", entries);
        Assert.Contains("lib/net10.0/Channels.Runtime.xml", entries);
        Assert.Contains("analyzers/dotnet/cs/Channels.Generators.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/Channels.Generators.CodeFixes.dll", entries);
        Assert.Contains("buildTransitive/Channels.targets", entries);
        Assert.Contains("README.md", entries);

        using Stream nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        XElement metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal("Channels", Value("id"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("README.md", Value("readme"));
        Assert.DoesNotContain("Channels.Runtime", Value("authors"), StringComparison.Ordinal);
        Assert.Contains("ipc", Value("tags").Split(' '));
        XElement repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        // The diagnostics' help links point into this repository.
        Assert.Equal(RepositoryUrl, repository.Attribute("url")!.Value);
        Assert.Equal(RepositoryUrl, Value("projectUrl"));
    }

    /// <summary>A console app in its own folder that references Channels <paramref name="version"/> from the temporary feed.</summary>
    private string NewApp(string name, string version, string targetFramework, string program)
    {
        string app = Dir(name);
        File.WriteAllText(System.IO.Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>{targetFramework}</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Channels" Version="[{version}]" />
              </ItemGroup>
            </Project>
            """);
        // The temporary feed plus the user's sources (not cleared); packages extracted into a folder of this test
        // (a package of the same version packed earlier must never be taken from a cache), the machine's packages
        // (MemoryPack, ...) read where they are.
        File.WriteAllText(System.IO.Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{System.IO.Path.Combine(_root, "packages")}" />
              </config>
              <packageSources>
                <add key="channels-test-feed" value="{System.IO.Path.Combine(_root, "feed")}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{MachinePackagesFolder()}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        File.Copy(System.IO.Path.Combine(AppContext.BaseDirectory, "Consumer", program), System.IO.Path.Combine(app, "Program.cs"));
        return app;
    }

    private string Dir(string name)
    {
        string path = System.IO.Path.Combine(_root, name);
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Where this machine's restores put packages (NUGET_PACKAGES, else ~/.nuget/packages).</summary>
    private static string MachinePackagesFolder()
        => Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The configuration these tests were built in: bin/&lt;configuration&gt;/net10.0.</summary>
    private static string Configuration() => new DirectoryInfo(System.IO.Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "Channels.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("Channels.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"(?i)\bwarning\s+[A-Z]+[0-9]+\s*:")]
    private static partial Regex WarningLine();
}
