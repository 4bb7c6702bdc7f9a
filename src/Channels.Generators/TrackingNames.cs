namespace Channels.Generators;

/// <summary>Names of the tracked pipeline steps, asserted by the incremental tests.</summary>
internal static class TrackingNames
{
    public const string ContractResults = nameof(ContractResults);
    public const string Contracts = nameof(Contracts);
    public const string ContractDiagnostics = nameof(ContractDiagnostics);
    public const string EntryResults = nameof(EntryResults);
    public const string EntryRegistry = nameof(EntryRegistry);
    public const string Formatters = nameof(Formatters);
}
