namespace Channels.TestChild.Chaos;

/// <summary>The delivery promises of a queue whose only consumer was killed or stopped, checked from sequence numbers.</summary>
public static class QueueDeliveryCheck
{
    /// <summary>
    /// What the killed consumer reported (in order) plus what this process drained against the <paramref name="produced"/>
    /// puts that returned: each exactly once, but for the one item the semantics let a killed consumer take along
    /// (plain: got, not reported) or repeat (redelivery: reported, not settled).
    /// </summary>
    public static (string? Violation, long Duplicates, long Dropped) Check(bool redeliver, long produced, List<long> reports, List<long> drained)
    {
        for (int i = 0; i < reports.Count; i++)
        {
            if (reports[i] != i)
                return ($"the consumer reported {reports[i]} where {i} was next (not in order, lost or twice)", 0, 0);
        }
        var seen = new int[produced];
        foreach (List<long> list in (List<long>[])[reports, drained])
        {
            foreach (long sequence in list)
            {
                if ((ulong)sequence >= (ulong)produced)
                    return ($"got item {sequence}, but only {produced} puts returned", 0, 0);
                seen[sequence]++;
            }
        }
        long next = reports.Count; // the item the consumer got after its last report, if it got one
        var missing = new List<long>();
        var twice = new List<long>();
        for (long sequence = 0; sequence < produced; sequence++)
        {
            if (seen[sequence] == 0)
                missing.Add(sequence);
            for (int extra = 1; extra < seen[sequence]; extra++)
                twice.Add(sequence);
        }
        string List(List<long> items) => string.Join(",", items.Count > 5 ? items.GetRange(0, 5) : items) + (items.Count > 5 ? ",…" : "");
        if (redeliver)
        {
            if (missing.Count > 0)
                return ($"loss: {missing.Count} returned puts never got ({List(missing)}) in a redelivery queue", twice.Count, 0);
            if (twice.Count > 1 || (twice.Count == 1 && twice[0] != next - 1))
                return ($"duplicates beyond the killed consumer's unsettled item {next - 1}: {List(twice)}", twice.Count, 0);
            return (null, twice.Count, 0);
        }
        if (twice.Count > 0)
            return ($"duplicates in a plain queue: {List(twice)}", twice.Count, missing.Count);
        if (missing.Count > 1 || (missing.Count == 1 && missing[0] != next))
            return ($"loss: {missing.Count} returned puts never got ({List(missing)}); only {next}, got by the killed consumer and not reported, may go", 0, missing.Count);
        return (null, 0, missing.Count);
    }
}
