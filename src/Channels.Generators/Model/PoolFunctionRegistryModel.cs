using Channels.Generators.Helpers;

namespace Channels.Generators.Model;

/// <summary>All valid pool functions of the compilation, ordered by key, with the duplicate-name diagnostics.</summary>
internal sealed record PoolFunctionRegistryModel(EquatableArray<PoolFunctionModel> Functions, EquatableArray<DiagnosticInfo> Diagnostics);
