using Channels.Generators.Helpers;

namespace Channels.Generators.Model;

/// <summary>The parser's output for one [ChannelContract] interface.</summary>
/// <param name="Contract">Null when an error makes emission impossible.</param>
/// <param name="Formatters">Plain message types that need a generated formatter.</param>
/// <param name="Diagnostics">Problems found.</param>
internal sealed record ContractResult(ContractModel? Contract, EquatableArray<FormatterModel> Formatters, EquatableArray<DiagnosticInfo> Diagnostics);
