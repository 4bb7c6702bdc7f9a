using System.Diagnostics;
using System.Security.Cryptography;
using Channels.Nats.Tests.Infrastructure;

namespace Channels.Nats.Tests;

/// <summary>Issue 12, point 5: the two-"machine" demo runs as documented, and docs/nats.md covers what it must.</summary>
public sealed class DemoAndDocsTests
{
    [Fact]
    public async Task The_demo_runs_as_two_processes_talking_through_two_servers_of_a_cluster()
    {
        await using var cluster = await NatsCluster.StartAsync();
        string key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        string name = TestKeys.NewName("squares");
        using Process boss = StartDemo(key, "boss", $"{cluster.Nodes[0].Url}/{name}");
        Task<string> bossOutput = boss.StandardOutput.ReadToEndAsync();
        // The worker reaches the boss through another node of the cluster: the listener must be up first.
        string worker = await RunUntilConnectedAsync(key, $"{cluster.Nodes[1].Url}/{name}");
        Assert.True(boss.WaitForExit(30_000), "The boss did not finish.");
        string output = await bossOutput;
        for (int n = 1; n <= 5; n++)
            Assert.Contains($"boss: {n}^2 = {n * n}", output);
        Assert.Contains("worker: done", worker);

        string jobs = $"{cluster.Nodes[0].Url}/{TestKeys.NewName("jobs")}";
        Assert.Contains("produce: put 3 jobs", await RunDemoAsync(key, "produce", jobs, "3"));
        string consumed = await RunDemoAsync(key, "consume", $"{cluster.Nodes[2].Url}/{jobs[(jobs.LastIndexOf('/') + 1)..]}", "3");
        Assert.Contains("consume: job 3", consumed);
        Assert.Contains("consume: all jobs done", consumed);
    }

    [Fact]
    public void The_nats_page_explains_endpoints_semantics_auth_figures_and_outages()
    {
        string page = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "nats.md"));
        foreach (string section in (string[])["## Endpoints", "## Links", "## Queues on JetStream", "## Authentication and TLS", "## When the server stops", "## Figures"])
            Assert.Contains(section, page);
        foreach (string term in (string[])["PeerLostException", "QueueFullException", "QueueEmptyException", "CredsFile", "TlsOpts", "AckWait", "nats://"])
            Assert.Contains(term, page);
    }

    private static string RepositoryRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Channels.sln")))
                return directory;
        }
        throw new InvalidOperationException("Channels.sln not found above the test directory.");
    }

    private static Process StartDemo(string key, params string[] arguments)
    {
        string root = RepositoryRoot();
        string dll = Path.Combine(root, "samples", "NatsDemo", "bin", "Release", "net10.0", "NatsDemo.dll");
        string host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["CHANNELS_KEY"] = key;
        return Process.Start(start) ?? throw new InvalidOperationException("The demo did not start.");
    }

    private static async Task<string> RunDemoAsync(string key, params string[] arguments)
    {
        using Process process = StartDemo(key, arguments);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"NatsDemo {string.Join(' ', arguments)} did not finish: {await errors}");
        }
        Assert.True(process.ExitCode == 0, $"NatsDemo {string.Join(' ', arguments)} exited with {process.ExitCode}: {await errors}");
        return await output;
    }

    private static async Task<string> RunUntilConnectedAsync(string key, string endpoint)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using Process process = StartDemo(key, "worker", endpoint);
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill();
                throw new TimeoutException("The demo worker did not finish.");
            }
            if (process.ExitCode == 0)
                return await output;
            string error = await errors;
            if (!error.Contains("no listener", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"The demo worker failed ({process.ExitCode}): {error}");
            await Task.Delay(250);
        }
    }
}
