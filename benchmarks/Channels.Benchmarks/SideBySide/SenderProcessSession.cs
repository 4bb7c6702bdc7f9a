using System.Globalization;
using System.Text.Json;

namespace Channels.Benchmarks.SideBySide;

/// <summary>
/// A pair system whose sending end runs in a process of its own (<see cref="SenderChild"/>), which starts the
/// receiving end in turn: the runner only orders rounds. So no system's sender shares a process, its threads, heap
/// and compiled code with every other system's connections, as it would in the runner.
/// </summary>
public sealed class SenderProcessSession : IAsyncDisposable
{
    // The sender's own watchdog ends a stalled round after RoundTimeout; this one covers a sender that hangs itself.
    private static readonly TimeSpan ReplyGrace = TimeSpan.FromSeconds(30);
    private readonly ChildHost? _host;
    private string? _failure;

    private SenderProcessSession(PairSystem system, ChildHost? host, string? failure)
    {
        System = system;
        _host = host;
        _failure = failure;
    }

    /// <summary>The system.</summary>
    public PairSystem System { get; }

    /// <summary>Whether the session can run rounds.</summary>
    public bool IsLive => _failure is null && _host is not null;

    /// <summary>Starts the sending process of <paramref name="system"/> and waits until it has connected its receiving end.</summary>
    public static async Task<SenderProcessSession> StartAsync(PairSystem system, RunSettings settings)
    {
        if (system.Unavailable is { } why)
        {
            return new SenderProcessSession(system, null, why);
        }

        ChildHost host = ChildHost.Start(system.Id + " sender", [ChildRoles.Sender, system.Id, settings.WorkDirectory, settings.RoundTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)]);
        var session = new SenderProcessSession(system, host, null);
        await session.ExpectAsync(settings, "connected").ConfigureAwait(false);
        return session;
    }

    /// <summary>Runs one round of <paramref name="spec"/> in the sending process, which keeps its figures when <paramref name="timed"/>. A failure stops the session.</summary>
    public async Task RunRoundAsync(CaseSpec spec, bool timed, RunSettings settings)
    {
        if (!IsLive)
        {
            return;
        }

        await SendAsync(string.Create(CultureInfo.InvariantCulture, $"round {spec.Kind} {spec.Count} {(timed ? "timed" : "warm")}")).ConfigureAwait(false);
        await ExpectAsync(settings, "ok").ConfigureAwait(false);
    }

    /// <summary>The row of <paramref name="spec"/>, from the sending process: medians of the timed rounds, or why there are none.</summary>
    public async Task<Measurement> ToMeasurementAsync(CaseSpec spec)
    {
        if (_host is null || (_failure is not null && _host.HasExited))
        {
            return Measurement.Missing(System.DisplayName, spec, _failure ?? "not run");
        }

        try
        {
            await _host.SendAsync(string.Create(CultureInfo.InvariantCulture, $"row {spec.Kind} {spec.Count}")).ConfigureAwait(false);
            string reply = await _host.ReadReplyAsync(ReplyGrace).ConfigureAwait(false);
            Measurement row = JsonSerializer.Deserialize<Measurement>(reply, SenderChild.Json) ?? throw new InvalidOperationException("empty row");
            return row with { Case = spec };
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException or JsonException)
        {
            return Measurement.Missing(System.DisplayName, spec, _failure ?? "no row: " + PairDriver.Describe(ex));
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task SendAsync(string line)
    {
        try
        {
            await _host!.SendAsync(line).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            Fail("its sending process is gone: " + PairDriver.Describe(ex));
        }
    }

    // Reads the sender's answer: the expected word, or "failed REASON" (the session stops, its rows say why).
    private async Task ExpectAsync(RunSettings settings, string expected)
    {
        if (!IsLive)
        {
            return;
        }

        try
        {
            string reply = await _host!.ReadReplyAsync(settings.RoundTimeout + ReplyGrace).ConfigureAwait(false);
            if (reply.StartsWith("failed ", StringComparison.Ordinal))
            {
                _failure = reply[7..];
            }
            else if (reply != expected)
            {
                Fail($"expected '{expected}' from the sending process, got '{reply}'");
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
            Fail(PairDriver.Describe(ex));
        }
    }

    private void Fail(string why)
    {
        Console.Error.WriteLine($"  {System.DisplayName}: {why}");
        _failure = why;
        _host?.Kill();
    }
}
