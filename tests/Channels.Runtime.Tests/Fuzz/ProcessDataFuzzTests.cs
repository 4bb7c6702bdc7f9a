using System.Globalization;
using CsCheck;
using Xunit;
using Xunit.Abstractions;

namespace Channels.Runtime.Tests.Fuzz;

/// <summary>
/// Property-based fuzzing of what a child reads from its parent (the start variables) and what a parent reads from
/// its child (the failure report): a clean error or a value, never a crash; a report always reads as an exception.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class ProcessDataFuzzTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Valid = new()
    {
        ["CHANNELS_CHILD_ENTRY"] = "Demo.Entries.Run",
        ["CHANNELS_CHILD_KIND"] = "link",
        ["CHANNELS_CHILD_ENDPOINT"] = "unix:/tmp/x.sock",
        ["CHANNELS_CHILD_KEY"] = Convert.ToBase64String(new byte[32]),
        ["CHANNELS_CHILD_ARGUMENT"] = Convert.ToBase64String([1, 2, 3]),
        ["CHANNELS_CHILD_REPORT"] = "/tmp/report",
        ["CHANNELS_CHILD_KEEP_RUNNING"] = "0",
        ["CHANNELS_CHILD_GRACE_MS"] = "5000",
        ["CHANNELS_CHILD_LINK_OPTIONS"] = "16777216,1024,1048576,10000,10000",
    };

    private static readonly string[] Names = [.. Valid.Keys];

    private static readonly Gen<string?> Value = Gen.Frequency<string?>(
        (2, Gen.String),
        (2, Gen.OneOf<string?>(null, "")),
        (2, Gen.OneOf("-1", "99999999999999999999", "1,2,3,4", "1,2,3,4,5,6", "a,b,c,d,e", "queue", "link", "!!!", "AAAA", "=", "9223372036854775807",
            "1,1,1,9223372036854775807,1", "0,0,0,0,0").Select(s => (string?)s)));

    [Fact]
    public void ChildStartVariablesParseOrAreRefusedCleanly()
        => FuzzRun.Sample(output, "child start data", Gen.Select(Gen.Int[0, Names.Length - 1], Value).Array[1, 4], edits =>
        {
            var variables = new Dictionary<string, string?>(Valid.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)));
            foreach ((int name, string? value) in edits)
                variables[Names[name]] = value;
            try
            {
                ChildStartInfo? info = ChildStartInfo.Parse(name => variables.GetValueOrDefault(name));
                if (info is not null)
                    Assert.NotEmpty(info.Key);
            }
            catch (InvalidOperationException)
            {
                // Malformed start data: a clean error naming what is wrong.
            }
        }, FuzzRun.Iterations());

    [Fact]
    public void FailureReportsAlwaysReadAsAnException()
        => FuzzRun.Sample(output, "failure reports", Gen.Frequency(
                (1, Gen.String),
                (1, Gen.Select(Gen.String, Gen.String, Gen.String).Select((a, b, c) => string.Join('\n', a, b, c) + (a.Length % 2 == 0 ? "\\" : "")))),
            text =>
            {
                RemoteException report = ChildFailureReport.Parse(text);
                Assert.False(string.IsNullOrEmpty(report.RemoteType));
                Assert.NotNull(report.RemoteMessage);
            }, FuzzRun.Iterations());

    [Fact]
    public void AFailureReportRoundTripsAndIsCutNotDroppedWhenLong()
    {
        var error = new InvalidDataException("line one\nline \\ two" + new string('x', 200_000));
        string text = ChildFailureReport.Format(error);
        RemoteException read = ChildFailureReport.Parse(text);

        Assert.Equal(typeof(InvalidDataException).FullName, read.RemoteType);
        Assert.StartsWith("line one\nline \\ two", read.RemoteMessage);
        Assert.EndsWith(string.Format(CultureInfo.InvariantCulture, ChildFailureReport.TruncatedMarker, error.Message.Length), read.RemoteMessage);
        Assert.True(read.RemoteMessage.Length <= ChildFailureReport.MaxMessageChars + 64);
    }

    [Fact]
    public void AnOversizedReportFileIsReadUpToItsLimit()
    {
        string path = Path.Combine(Path.GetTempPath(), "chn-report-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            File.WriteAllText(path, "Hostile.Type\n" + new string('y', 8_000_000));
            long before = GC.GetAllocatedBytesForCurrentThread();
            RemoteException? read = ChildFailureReport.TryRead(path);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal("Hostile.Type", read?.RemoteType);
            Assert.True(allocated < 16_000_000, $"{allocated} bytes allocated for an 8 MB report");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
