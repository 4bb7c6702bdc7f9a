namespace Channels.Contracts;

/// <summary>
/// What both ends of a link exchange at connect time: the contract's name and the schema fingerprint computed at
/// compile time over lane names, order, directions and message shapes. The index of a lane in
/// <see cref="Lanes"/> is its number on the wire.
/// </summary>
public sealed class ContractDescriptor
{
    /// <summary>Creates a descriptor; called by generated code.</summary>
    public ContractDescriptor(string name, ulong fingerprint, IReadOnlyList<LaneDescriptor> lanes)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(lanes);
        if (lanes.Count > ushort.MaxValue)
            throw new ArgumentException($"Contract '{name}' has {lanes.Count} lanes; the wire allows at most {ushort.MaxValue}.", nameof(lanes));
        Name = name;
        Fingerprint = fingerprint;
        Lanes = lanes;
    }

    /// <summary>The contract's fully qualified name.</summary>
    public string Name { get; }

    /// <summary>The 64-bit schema fingerprint.</summary>
    public ulong Fingerprint { get; }

    /// <summary>The lanes in wire order.</summary>
    public IReadOnlyList<LaneDescriptor> Lanes { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (fingerprint {Fingerprint:x16})";
}
