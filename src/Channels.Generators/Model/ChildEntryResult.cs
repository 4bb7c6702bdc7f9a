using Channels.Generators.Helpers;

namespace Channels.Generators.Model;

/// <summary>The parser's output for one [ChildEntry] method.</summary>
/// <param name="Entry">Null when the method cannot be an entry.</param>
/// <param name="Location">The method identifier, for the duplicate-name diagnostic (kept out of <paramref name="Entry"/>, so that moving a method does not re-emit the registry).</param>
/// <param name="Formatters">Plain argument types that need a generated formatter.</param>
/// <param name="Diagnostics">Problems found.</param>
internal sealed record ChildEntryResult(ChildEntryModel? Entry, LocationInfo? Location, EquatableArray<FormatterModel> Formatters, EquatableArray<DiagnosticInfo> Diagnostics);
