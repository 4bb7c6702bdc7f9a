namespace Channels.Nats.Queues;

/// <summary>Whose a plain queue's put is, as its claim (<see cref="ClaimLedger"/>) tells a get that delivered a copy of it.</summary>
internal enum ClaimOutcome
{
    /// <summary>This get's: it returns the item.</summary>
    Mine,

    /// <summary>Another get's, which claimed this same copy (JetStream delivered it twice): dropped.</summary>
    Another,

    /// <summary>
    /// Another get's, which claimed another stored copy of the same put (the stream stored it twice): dropped, and
    /// counted as done so that <c>Join</c>, which compares done items with stored ones, still ends.
    /// </summary>
    AnotherCopy,
}
