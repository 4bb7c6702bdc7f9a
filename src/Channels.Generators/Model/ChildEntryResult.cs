using Channels.Generators.Helpers;

namespace Channels.Generators.Model;

/// <summary>The parser's output for one [ChildEntry] method.</summary>
internal sealed record ChildEntryResult(ChildEntryModel? Entry, EquatableArray<FormatterModel> Formatters, EquatableArray<DiagnosticInfo> Diagnostics);
