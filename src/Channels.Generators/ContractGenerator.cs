using System.Collections.Immutable;
using Channels.Generators.Helpers;
using Channels.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Channels.Generators;

/// <summary>Generates endpoints, codecs, fingerprints, formatters and the child-entry registry for channel contracts.</summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class ContractGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Every [ChannelContract] interface becomes a finished, value-equatable result (model, formatters,
        //    diagnostics). The predicate looks at syntax only; all semantic work happens once, in the transform.
        IncrementalValuesProvider<ContractResult> contractResults = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.ChannelContractAttribute,
                static (node, _) => node is InterfaceDeclarationSyntax,
                static (ctx, ct) => ParseContract(ctx, ct))
            .WithTrackingName(TrackingNames.ContractResults);

        // 2. One file per contract, re-emitted only when that contract's model changes.
        IncrementalValuesProvider<ContractModel> contracts = contractResults
            .Where(static r => r.Contract is not null)
            .WithTrackingName(TrackingNames.EmittableContracts)
            .Select(static (r, _) => r.Contract!)
            .WithTrackingName(TrackingNames.Contracts);
        context.RegisterSourceOutput(contracts, static (spc, model) => spc.AddSource(model.HintName, EmitContract(model)));

        // 3. Diagnostics travel separately from source, so a changed message text never re-emits code.
        IncrementalValuesProvider<DiagnosticInfo> contractDiagnostics = contractResults
            .SelectMany(static (r, _) => r.Diagnostics)
            .WithTrackingName(TrackingNames.ContractDiagnostics);
        context.RegisterSourceOutput(contractDiagnostics, static (spc, info) => spc.ReportDiagnostic(info.ToDiagnostic()));

        // 4. Every [ChildEntry] method, parsed on its own; then all of them together, because the registry is one
        //    file and duplicate names are found only across methods.
        IncrementalValuesProvider<ChildEntryResult> entryResults = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.ChildEntryAttribute,
                static (node, _) => node is MethodDeclarationSyntax or LocalFunctionStatementSyntax,
                static (ctx, ct) => ParseChildEntry(ctx, ct))
            .WithTrackingName(TrackingNames.EntryResults);
        IncrementalValueProvider<ChildEntryRegistryModel> registry = entryResults
            .Collect()
            .WithTrackingName(TrackingNames.CollectedEntries)
            .Select(static (results, _) => BuildRegistry(results))
            .WithTrackingName(TrackingNames.EntryRegistry);
        IncrementalValueProvider<EquatableArray<ChildEntryModel>> entries = registry
            .Select(static (model, _) => model.Entries)
            .WithTrackingName(TrackingNames.Entries);
        context.RegisterSourceOutput(entries, static (spc, models) =>
        {
            if (!models.IsEmpty)
                spc.AddSource("Channels.ChildEntries.g.cs", EmitChildEntries(models));
        });
        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> entryDiagnostics = registry
            .Select(static (model, _) => model.Diagnostics)
            .WithTrackingName(TrackingNames.EntryDiagnostics);
        context.RegisterSourceOutput(entryDiagnostics, static (spc, infos) =>
        {
            foreach (DiagnosticInfo info in infos)
                spc.ReportDiagnostic(info.ToDiagnostic());
        });

        // 5. A program with entries must run them: CHN020 when an executable has [ChildEntry] methods and calls
        //    ChildProcess.RunAsync nowhere. The call sites are found by name in syntax, confirmed by symbol.
        IncrementalValueProvider<bool> callsRunAsync = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => IsRunAsyncCallCandidate(node),
                static (ctx, ct) => IsRunAsyncCall(ctx, ct))
            .Where(static isCall => isCall)
            .Collect()
            .Select(static (calls, _) => !calls.IsEmpty)
            .WithTrackingName(TrackingNames.RunAsyncCalls);
        IncrementalValueProvider<bool> isExecutable = context.CompilationProvider
            .Select(static (compilation, _) => compilation.Options.OutputKind is OutputKind.ConsoleApplication or OutputKind.WindowsApplication)
            .WithTrackingName(TrackingNames.IsExecutable);
        IncrementalValueProvider<DiagnosticInfo?> neverRun = entries
            .Combine(entryResults.Collect())
            .Select(static (pair, _) => NeverRunDiagnostic(pair.Left, pair.Right))
            .Combine(callsRunAsync.Combine(isExecutable))
            .Select(static (pair, _) => pair.Right.Right && !pair.Right.Left ? pair.Left : null)
            .WithTrackingName(TrackingNames.EntriesNeverRun);
        context.RegisterSourceOutput(neverRun, static (spc, info) =>
        {
            if (info is not null)
                spc.ReportDiagnostic(info.ToDiagnostic());
        });

        // 6. Every [PoolFunction] method, parsed on its own, then registered together (one file, unique names);
        //    and every call of ProcessPool's work methods, checked to pass such a method (not a lambda).
        IncrementalValuesProvider<PoolFunctionResult> poolResults = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.PoolFunctionAttribute,
                static (node, _) => node is MethodDeclarationSyntax or LocalFunctionStatementSyntax,
                static (ctx, ct) => ParsePoolFunction(ctx, ct))
            .WithTrackingName(TrackingNames.PoolFunctionResults);
        IncrementalValueProvider<PoolFunctionRegistryModel> poolRegistry = poolResults
            .Collect()
            .Select(static (results, _) => BuildPoolRegistry(results))
            .WithTrackingName(TrackingNames.PoolRegistry);
        IncrementalValueProvider<EquatableArray<PoolFunctionModel>> poolFunctions = poolRegistry
            .Select(static (model, _) => model.Functions)
            .WithTrackingName(TrackingNames.PoolFunctions);
        context.RegisterSourceOutput(poolFunctions, static (spc, models) =>
        {
            if (!models.IsEmpty)
                spc.AddSource("Channels.PoolFunctions.g.cs", EmitPoolFunctions(models));
        });
        IncrementalValueProvider<EquatableArray<DiagnosticInfo>> poolDiagnostics = poolRegistry
            .Select(static (model, _) => model.Diagnostics)
            .WithTrackingName(TrackingNames.PoolDiagnostics);
        context.RegisterSourceOutput(poolDiagnostics, static (spc, infos) =>
        {
            foreach (DiagnosticInfo info in infos)
                spc.ReportDiagnostic(info.ToDiagnostic());
        });
        IncrementalValuesProvider<DiagnosticInfo> poolCallDiagnostics = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, _) => IsPoolMethodCall(node), static (ctx, ct) => CheckPoolMethodCall(ctx, ct))
            .Where(static info => info is not null)
            .Select(static (info, _) => info!)
            .WithTrackingName(TrackingNames.PoolCallDiagnostics);
        context.RegisterSourceOutput(poolCallDiagnostics, static (spc, info) => spc.ReportDiagnostic(info.ToDiagnostic()));

        // 7. Formatters for plain message types, gathered from all contracts, entries and pool functions into one
        //    file (a type used by two contracts gets one formatter).
        IncrementalValueProvider<ImmutableArray<FormatterModel>> contractFormatters = contractResults
            .SelectMany(static (r, _) => r.Formatters)
            .WithTrackingName(TrackingNames.ContractFormatters)
            .Collect();
        IncrementalValueProvider<ImmutableArray<FormatterModel>> entryFormatters = entryResults
            .SelectMany(static (r, _) => r.Formatters)
            .WithTrackingName(TrackingNames.EntryFormatters)
            .Collect();
        IncrementalValueProvider<ImmutableArray<FormatterModel>> poolFormatters = poolResults
            .SelectMany(static (r, _) => r.Formatters)
            .WithTrackingName(TrackingNames.PoolFormatters)
            .Collect();
        IncrementalValueProvider<EquatableArray<FormatterModel>> formatters = contractFormatters
            .Combine(entryFormatters)
            .Combine(poolFormatters)
            .Select(static (pair, _) => MergeFormatters(pair.Left.Left, pair.Left.Right.AddRange(pair.Right)))
            .WithTrackingName(TrackingNames.Formatters);
        context.RegisterSourceOutput(formatters, static (spc, models) =>
        {
            if (!models.IsEmpty)
                spc.AddSource("Channels.Formatters.g.cs", EmitFormatters(models));
        });
    }

    private static EquatableArray<FormatterModel> MergeFormatters(ImmutableArray<FormatterModel> fromContracts, ImmutableArray<FormatterModel> fromEntries)
    {
        var byType = new System.Collections.Generic.SortedDictionary<string, FormatterModel>(System.StringComparer.Ordinal);
        foreach (FormatterModel model in fromContracts)
            byType[model.Type] = model;
        foreach (FormatterModel model in fromEntries)
            byType[model.Type] = model;
        var list = new System.Collections.Generic.List<FormatterModel>(byType.Values);
        return list.ToEquatableArray();
    }
}
