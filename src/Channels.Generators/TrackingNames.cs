namespace Channels.Generators;

/// <summary>Names of the tracked pipeline steps, asserted by the incremental tests.</summary>
internal static class TrackingNames
{
    public const string ContractResults = nameof(ContractResults);
    public const string EmittableContracts = nameof(EmittableContracts);
    public const string Contracts = nameof(Contracts);
    public const string ContractDiagnostics = nameof(ContractDiagnostics);
    public const string EntryResults = nameof(EntryResults);
    public const string CollectedEntries = nameof(CollectedEntries);
    public const string EntryRegistry = nameof(EntryRegistry);
    public const string Entries = nameof(Entries);
    public const string EntryDiagnostics = nameof(EntryDiagnostics);
    public const string ContractFormatters = nameof(ContractFormatters);
    public const string EntryFormatters = nameof(EntryFormatters);
    public const string Formatters = nameof(Formatters);
    public const string RunAsyncCalls = nameof(RunAsyncCalls);
    public const string IsExecutable = nameof(IsExecutable);
    public const string EntriesNeverRun = nameof(EntriesNeverRun);
    public const string PoolFunctionResults = nameof(PoolFunctionResults);
    public const string PoolRegistry = nameof(PoolRegistry);
    public const string PoolFunctions = nameof(PoolFunctions);
    public const string PoolDiagnostics = nameof(PoolDiagnostics);
    public const string PoolFormatters = nameof(PoolFormatters);
    public const string PoolCallDiagnostics = nameof(PoolCallDiagnostics);
}
