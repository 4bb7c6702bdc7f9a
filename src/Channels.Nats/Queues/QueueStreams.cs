using Channels.Contracts;

namespace Channels.Nats.Queues;

/// <summary>
/// The JetStream names of one queue (lane <c>Lane</c> of a queue contract at endpoint name <c>name</c>): the
/// work-queue stream of its items, a one-message stream whose sequence counts <c>TaskDone</c> calls (plain queues:
/// items are acknowledged on get, so <c>Join</c> needs its own count), and a one-message stream that records that
/// the queue was closed, published on a subject every process also listens to; plain queues also have a stream of
/// claims (<see cref="ClaimLedger"/>), one subject per item, so that each item is got once.
/// </summary>
internal sealed record QueueStreams(string Items, string ItemsSubject, string Done, string DoneSubject, string State, string StateSubject, string Claims, string ClaimsSubject, string Consumer)
{
    public static QueueStreams For(string name, string lane) => new(
        Items: $"CHN_{name}_{lane}",
        ItemsSubject: $"chn.queue.{name}.{lane}",
        Done: $"CHN_{name}_{lane}_DONE",
        DoneSubject: $"chn.queue-done.{name}.{lane}",
        State: $"CHN_{name}_{lane}_STATE",
        StateSubject: $"chn.queue-state.{name}.{lane}",
        Claims: $"CHN_{name}_{lane}_CLAIMS",
        ClaimsSubject: $"chn.queue-claim.{name}.{lane}",
        Consumer: "getters");

    /// <summary>The mismatch between this side's <paramref name="contract"/> and a stream marked <paramref name="remote"/>.</summary>
    public static ContractMismatchException Mismatch(ContractDescriptor contract, bool redeliver, string? remote, string endpoint)
    {
        // "channels queue of <name> fingerprint <hex> <mode>"; anything else is a stream not made by Channels.
        string[] parts = (remote ?? "").Split(' ');
        bool ours = parts.Length == 7 && parts[0] == "channels" && parts[1] == "queue" && parts[2] == "of" && parts[4] == "fingerprint";
        string remoteName = ours ? parts[3] : "(a stream not made by Channels: '" + remote + "')";
        ulong remoteFingerprint = ours && ulong.TryParse(parts[5], System.Globalization.NumberStyles.HexNumber, null, out ulong value) ? value : 0;
        string detail = $"The queue at endpoint '{endpoint}' is {(ours ? parts[6] : "foreign")}; this side expects {(redeliver ? "redeliver" : "plain")}.";
        return new ContractMismatchException(contract.Name, contract.Fingerprint, remoteName, remoteFingerprint, detail);
    }

    /// <summary>The description that marks a stream as this queue's: contract, fingerprint and delivery mode.</summary>
    public static string Describe(ContractDescriptor contract, bool redeliver)
        => $"channels queue of {contract.Name} fingerprint {contract.Fingerprint:x16} {(redeliver ? "redeliver" : "plain")}";
}
