namespace Channels.TestChild;

/// <summary>The channel options a scenario uses: the runtime directory and key the test passes in the environment.</summary>
public static class ScenarioOptions
{
    /// <summary>Environment variable with the runtime directory the test uses for named endpoints.</summary>
    public const string RuntimeDirectoryVariable = "CHANNELS_TEST_RUNTIME_DIR";

    /// <summary>Environment variable with a hex key for explicit <c>unix:</c> endpoints.</summary>
    public const string KeyVariable = "CHANNELS_TEST_KEY";

    /// <summary>Environment variable: "0" keeps the scenario's links on the socket; anything else lets them use shared memory.</summary>
    public const string SharedMemoryVariable = "CHANNELS_TEST_SHARED_MEMORY";

    public static ChannelOptions FromEnvironment(int? windowMessages = null, int? windowBytes = null)
    {
        string? key = Environment.GetEnvironmentVariable(KeyVariable);
        var defaults = new ChannelOptions();
        return new ChannelOptions
        {
            RuntimeDirectory = Environment.GetEnvironmentVariable(RuntimeDirectoryVariable),
            // Null, not an empty key, when the test passes none (an empty key is refused).
            Key = string.IsNullOrEmpty(key) ? (ReadOnlyMemory<byte>?)null : Convert.FromHexString(key),
            LaneWindowMessages = windowMessages ?? defaults.LaneWindowMessages,
            LaneWindowBytes = windowBytes ?? defaults.LaneWindowBytes,
            UseSharedMemory = Environment.GetEnvironmentVariable(SharedMemoryVariable) != "0",
        };
    }
}
