using Channels.Generators.Helpers;

namespace Channels.Generators.Model;

/// <summary>All valid entries of the compilation, ordered by key, with the duplicate-name diagnostics.</summary>
internal sealed record ChildEntryRegistryModel(EquatableArray<ChildEntryModel> Entries, EquatableArray<DiagnosticInfo> Diagnostics);
