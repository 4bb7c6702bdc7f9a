namespace Channels;

/// <summary>
/// The two ends of a link (or a queue and its client) were compiled from different contracts, or from the same
/// contract with a different shape. Thrown at connect time, before any message is exchanged.
/// </summary>
public sealed class ContractMismatchException : ChannelsException
{
    /// <summary>Creates the exception naming both sides.</summary>
    public ContractMismatchException(string localContract, ulong localFingerprint, string remoteContract, ulong remoteFingerprint, string? detail = null)
        : base($"Contract mismatch: this side has '{localContract}' (fingerprint {localFingerprint:x16}), the other side has '{remoteContract}' (fingerprint {remoteFingerprint:x16})."
               + (detail is null ? "" : " " + detail))
    {
        LocalContract = localContract;
        LocalFingerprint = localFingerprint;
        RemoteContract = remoteContract;
        RemoteFingerprint = remoteFingerprint;
    }

    /// <summary>This side's contract name.</summary>
    public string LocalContract { get; }

    /// <summary>This side's schema fingerprint.</summary>
    public ulong LocalFingerprint { get; }

    /// <summary>The other side's contract name.</summary>
    public string RemoteContract { get; }

    /// <summary>The other side's schema fingerprint.</summary>
    public ulong RemoteFingerprint { get; }
}
