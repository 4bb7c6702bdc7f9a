namespace Channels.Runtime.Tests.Processes;

/// <summary>How tests start Channels.TestChild as a child: `dotnet Channels.TestChild.dll`, copied next to the tests.</summary>
internal static class TestChildren
{
    public static string TestChildAssembly => Path.Combine(AppContext.BaseDirectory, "Channels.TestChild.dll");

    public static string DotNet => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    public static ChildProcessOptions Options(bool redirectStandardError = false) => new()
    {
        ExecutablePath = DotNet,
        Arguments = [TestChildAssembly],
        RedirectStandardError = redirectStandardError,
        ShutdownGracePeriod = TimeSpan.FromSeconds(5),
    };

    /// <summary>The socket and key files in the runtime directory now.</summary>
    public static HashSet<string> EndpointFiles()
        => [.. Directory.GetFiles(Channels.Transports.RuntimeDirectory.Ensure(ChannelOptions.Default))];
}
