using Channels.Runtime.Tests.Infrastructure;
using Channels.TestChild.Contracts;
using Channels.Transports;
using Xunit;

namespace Channels.Runtime.Tests.Hardening;

/// <summary>One key rule for every path (listen, connect, pipes handed to children, queues): KeyResolver.</summary>
public sealed class KeyResolverTests : IDisposable
{
    private readonly TestRuntimeDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private EndpointAddress Named(string name) => EndpointAddress.Resolve(name, _directory.Options());

    private static EndpointAddress Explicit => EndpointAddress.Resolve("unix:/tmp/chn-key-test.sock", ChannelOptions.Default);

    [Fact]
    public void AGivenKeyIsUsedOnBothSidesAndNoKeyFileIsWritten()
    {
        byte[] key = [1, 2, 3];
        (byte[] listening, bool writes) = KeyResolver.ForListener(Named("k"), _directory.Options(key: key));
        Assert.Equal(key, listening);
        Assert.False(writes);
        Assert.Equal(key, KeyResolver.ForConnector(Named("k"), _directory.Options(key: key)));
        Assert.Equal(key, KeyResolver.ForConnector(Explicit, new ChannelOptions { Key = key }));
    }

    [Fact]
    public void AnEmptyKeyIsRefusedEverywhere()
    {
        ChannelOptions empty = _directory.Options(key: ReadOnlyMemory<byte>.Empty);
        Assert.Throws<ArgumentException>(() => KeyResolver.ForListener(Named("k"), empty));
        Assert.Throws<ArgumentException>(() => KeyResolver.ForConnector(Named("k"), empty));
        Assert.Throws<ArgumentException>(() => ISimple.Listen("k", empty));
        Assert.Throws<ArgumentException>(() => ISimple.Listen("unix:/tmp/chn-key-test.sock", new ChannelOptions { Key = ReadOnlyMemory<byte>.Empty }));
        Assert.Empty(_directory.LeftoverFiles());
    }

    [Fact]
    public void WithoutAKeyANamedListenerMakesAFreshOneAndAnExplicitPathIsRefused()
    {
        (byte[] first, bool writes) = KeyResolver.ForListener(Named("k"), _directory.Options());
        (byte[] second, _) = KeyResolver.ForListener(Named("k"), _directory.Options());
        Assert.True(writes);
        Assert.Equal(KeyFile.KeySize, first.Length);
        Assert.NotEqual(first, second);
        Assert.Throws<ArgumentException>(() => KeyResolver.ForListener(Explicit, ChannelOptions.Default));
        Assert.Throws<AuthenticationFailedException>(() => KeyResolver.ForConnector(Explicit, ChannelOptions.Default));
    }

    [Fact]
    public async Task AConnectorWithoutAKeyReadsTheListenersKeyFile()
    {
        await using var listener = ISimple.Listen("k", _directory.Options());
        byte[] key = KeyResolver.ForConnector(Named("k"), _directory.Options());
        Assert.Equal(File.ReadAllBytes(Path.Combine(_directory.Path, "k.key")), key);
    }

    [Fact]
    public void ChildStartDataWithAnEmptyKeyIsMalformed()
    {
        var variables = new Dictionary<string, string?>
        {
            ["CHANNELS_CHILD_ENTRY"] = "E",
            ["CHANNELS_CHILD_KIND"] = "link",
            ["CHANNELS_CHILD_ENDPOINT"] = "unix:/tmp/x.sock",
            ["CHANNELS_CHILD_KEY"] = "",
            ["CHANNELS_CHILD_REPORT"] = "/tmp/r",
            ["CHANNELS_CHILD_GRACE_MS"] = "1",
            ["CHANNELS_CHILD_LINK_OPTIONS"] = "1024,1,1,1,1",
        };
        Assert.Throws<InvalidOperationException>(() => ChildStartInfo.Parse(name => variables.GetValueOrDefault(name)));
        variables["CHANNELS_CHILD_KEY"] = Convert.ToBase64String(new byte[32]);
        Assert.NotNull(ChildStartInfo.Parse(name => variables.GetValueOrDefault(name)));
    }
}
