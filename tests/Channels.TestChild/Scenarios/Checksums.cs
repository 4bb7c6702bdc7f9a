using Channels.TestChild.Contracts;

namespace Channels.TestChild.Scenarios;

/// <summary>Message makers and order-sensitive checksums shared by the transfer test and its child.</summary>
public static class Checksums
{
    private static readonly string[] Cities = ["Lisbon", "Zürich", "Kraków", "Osaka", "São Paulo"];

    public static Order MakeOrder(long i) => new(i, "customer-" + i, new Address(Cities[i % Cities.Length], (int)(i % 100000)));

    public static Tick MakeTick(long i) => new(i, i * 0.5, (int)(i & 7));

    public static Receipt MakeReceipt(long i) => new() { OrderId = i, Checksum = (ulong)i * 31, Note = i % 1000 == 0 ? "milestone " + i : "" };

    public static ulong Add(ulong sum, ulong value) => (sum ^ value) * 0x100000001b3UL + 1;

    public static ulong Of(Order order)
        => Hash(order.Id) ^ Hash(order.Customer) ^ (Hash(order.ShipTo.City) * 3) ^ Hash(order.ShipTo.Zip);

    public static ulong Of(Tick tick) => Hash(tick.Sequence) ^ (Hash(BitConverter.DoubleToInt64Bits(tick.Value)) * 5) ^ Hash(tick.Source);

    public static ulong Of(Receipt receipt) => Hash(receipt.OrderId) ^ (receipt.Checksum * 7) ^ Hash(receipt.Note);

    private static ulong Hash(long value) => (ulong)value * 0x9E3779B97F4A7C15UL;

    private static ulong Hash(string text)
    {
        ulong hash = 0xcbf29ce484222325UL;
        foreach (char c in text)
            hash = (hash ^ c) * 0x100000001b3UL;
        return hash;
    }
}
