namespace Channels.Generators.Model;

/// <summary>A type that contains a nested contract: re-opened as a partial declaration around the generated code.</summary>
/// <param name="Keyword">"class", "struct", "record", "record struct" or "interface".</param>
/// <param name="Name">The type's name.</param>
internal sealed record ContainingTypeModel(string Keyword, string Name);
