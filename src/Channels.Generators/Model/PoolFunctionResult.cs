using Channels.Generators.Helpers;

namespace Channels.Generators.Model;

/// <summary>The parser's output for one [PoolFunction] method.</summary>
/// <param name="Function">Null when the method cannot be a pool function.</param>
/// <param name="Location">The method identifier, for the duplicate-name diagnostic.</param>
/// <param name="Formatters">Plain argument and result types that need a generated formatter.</param>
/// <param name="Diagnostics">Problems found.</param>
internal sealed record PoolFunctionResult(PoolFunctionModel? Function, LocationInfo? Location, EquatableArray<FormatterModel> Formatters, EquatableArray<DiagnosticInfo> Diagnostics);
