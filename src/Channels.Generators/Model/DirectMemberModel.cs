namespace Channels.Generators.Model;

/// <summary>One member of a message type whose codec encodes it itself (see <see cref="DirectCodecModel"/>).</summary>
/// <param name="Name">Member name, escaped for C#.</param>
/// <param name="Type">Fully qualified type with nullable annotations.</param>
/// <param name="IsString">A string; otherwise an unmanaged value written as its raw bytes.</param>
internal sealed record DirectMemberModel(string Name, string Type, bool IsString);
