using System.Globalization;

namespace Channels;

/// <summary>
/// What travels from parent to child in the child's environment (never on its command line, where any user of the
/// machine could read the key): the entry's name, the endpoint and its one-time key, the argument, the link settings
/// and the parent-watch settings. The child clears these variables at start so that its own children do not inherit them.
/// </summary>
internal sealed record ChildStartInfo(
    string EntryName,
    ChildEndpointKind Kind,
    string Endpoint,
    byte[] Key,
    byte[]? Argument,
    string ReportPath,
    bool KeepRunningAfterParentExit,
    TimeSpan GracePeriod,
    ChannelOptions LinkOptions)
{
    private const string Prefix = "CHANNELS_CHILD_";
    internal const string EntryVariable = Prefix + "ENTRY";
    private const string KindVariable = Prefix + "KIND";
    private const string EndpointVariable = Prefix + "ENDPOINT";
    private const string KeyVariable = Prefix + "KEY";
    private const string ArgumentVariable = Prefix + "ARGUMENT";
    private const string ReportVariable = Prefix + "REPORT";
    private const string KeepRunningVariable = Prefix + "KEEP_RUNNING";
    private const string GraceVariable = Prefix + "GRACE_MS";
    private const string LinkOptionsVariable = Prefix + "LINK_OPTIONS";

    private static readonly string[] s_variables =
    [
        EntryVariable, KindVariable, EndpointVariable, KeyVariable, ArgumentVariable, ReportVariable,
        KeepRunningVariable, GraceVariable, LinkOptionsVariable,
    ];

    /// <summary>Writes this start info into a child's environment.</summary>
    public void WriteTo(IDictionary<string, string?> environment)
    {
        environment[EntryVariable] = EntryName;
        environment[KindVariable] = Kind == ChildEndpointKind.Link ? "link" : "queue";
        environment[EndpointVariable] = Endpoint;
        environment[KeyVariable] = Convert.ToBase64String(Key);
        environment[ArgumentVariable] = Argument is null ? null : Convert.ToBase64String(Argument);
        environment[ReportVariable] = ReportPath;
        environment[KeepRunningVariable] = KeepRunningAfterParentExit ? "1" : "0";
        environment[GraceVariable] = ((long)GracePeriod.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        environment[LinkOptionsVariable] = string.Join(',',
            LinkOptions.MaxFrameSize.ToString(CultureInfo.InvariantCulture),
            LinkOptions.LaneWindowMessages.ToString(CultureInfo.InvariantCulture),
            LinkOptions.LaneWindowBytes.ToString(CultureInfo.InvariantCulture),
            ((long)LinkOptions.HandshakeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ((long)LinkOptions.PeerTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Reads the start info from this process's environment and clears it; null when this process is not a child.</summary>
    /// <exception cref="InvalidOperationException">The variables are present but malformed.</exception>
    public static ChildStartInfo? TakeFromEnvironment()
    {
        try
        {
            return Parse(Environment.GetEnvironmentVariable);
        }
        finally
        {
            foreach (string name in s_variables)
                Environment.SetEnvironmentVariable(name, null);
        }
    }

    /// <summary>Reads the start info from variables looked up by <paramref name="variable"/>; null when there is no entry variable.</summary>
    /// <exception cref="InvalidOperationException">The variables are present but malformed (the only exception it throws).</exception>
    public static ChildStartInfo? Parse(Func<string, string?> variable)
    {
        string? entry = variable(EntryVariable);
        if (string.IsNullOrEmpty(entry))
            return null;
        string Required(string name)
            => variable(name) is { Length: > 0 } value ? value : throw new FormatException($"{name} is missing.");
        try
        {
            string kind = Required(KindVariable);
            string endpoint = Required(EndpointVariable);
            byte[] key = Convert.FromBase64String(Required(KeyVariable));
            if (key.Length == 0)
                throw new FormatException($"{KeyVariable} is empty.");
            string? argument = variable(ArgumentVariable);
            string report = Required(ReportVariable);
            bool keepRunning = variable(KeepRunningVariable) == "1";
            long graceMs = long.Parse(Required(GraceVariable), NumberStyles.None, CultureInfo.InvariantCulture);
            string[] link = Required(LinkOptionsVariable).Split(',');
            if (link.Length != 5)
                throw new FormatException($"{LinkOptionsVariable} has {link.Length} fields; 5 expected.");
            var options = new ChannelOptions
            {
                Key = key,
                MaxFrameSize = int.Parse(link[0], NumberStyles.None, CultureInfo.InvariantCulture),
                LaneWindowMessages = int.Parse(link[1], NumberStyles.None, CultureInfo.InvariantCulture),
                LaneWindowBytes = int.Parse(link[2], NumberStyles.None, CultureInfo.InvariantCulture),
                HandshakeTimeout = TimeSpan.FromMilliseconds(long.Parse(link[3], NumberStyles.None, CultureInfo.InvariantCulture)),
                PeerTimeout = TimeSpan.FromMilliseconds(long.Parse(link[4], NumberStyles.None, CultureInfo.InvariantCulture)),
                // The child offers shared memory whenever it can: the parent's options decide (both ends must offer).
                UseSharedMemory = true,
            };
            return new ChildStartInfo(
                entry,
                kind switch
                {
                    "link" => ChildEndpointKind.Link,
                    "queue" => ChildEndpointKind.Queue,
                    _ => throw new FormatException($"{KindVariable} is '{kind}'; 'link' or 'queue' expected."),
                },
                endpoint,
                key,
                string.IsNullOrEmpty(argument) ? null : Convert.FromBase64String(argument),
                report,
                keepRunning,
                TimeSpan.FromMilliseconds(graceMs),
                options);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidOperationException($"This process was started as a Channels child, but its start variables are malformed: {ex.Message}", ex);
        }
    }
}
