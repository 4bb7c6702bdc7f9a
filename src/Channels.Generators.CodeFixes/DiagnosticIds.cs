namespace Channels.Generators.CodeFixes;

/// <summary>The generator's diagnostic IDs this project fixes (the generator assembly is not referenced: code fixes load Workspaces, generators must not).</summary>
internal static class DiagnosticIds
{
    public const string ContractNotPartial = "CHN001";
    public const string MessageNotSerializable = "CHN003";
    public const string ContainingTypeNotPartial = "CHN013";
}
