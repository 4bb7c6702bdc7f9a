using System.Security.Cryptography;

namespace Channels.Nats.Tests.Infrastructure;

/// <summary>Link keys and endpoint names for tests.</summary>
public static class TestKeys
{
    /// <summary>A fresh random key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    /// <summary>A fresh endpoint name.</summary>
    public static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The environment that hands <paramref name="key"/> (and more) to a peer process.</summary>
    public static Dictionary<string, string> PeerEnvironment(byte[] key, int? window = null, bool plain = false)
    {
        var environment = new Dictionary<string, string> { ["NATS_TEST_KEY"] = Convert.ToHexString(key) };
        if (window is { } w)
            environment["NATS_TEST_WINDOW"] = w.ToString();
        if (plain)
            environment["NATS_TEST_PLAIN"] = "1";
        return environment;
    }
}
