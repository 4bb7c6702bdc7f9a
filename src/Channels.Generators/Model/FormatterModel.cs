using Channels.Generators.Helpers;

namespace Channels.Generators.Model;

/// <summary>A MemoryPack formatter for a plain (not [MemoryPackable]) message type.</summary>
/// <param name="Type">Fully qualified type without nullable annotation.</param>
/// <param name="IsValueType">A struct: no null header handling.</param>
/// <param name="Members">Serialized members in wire order.</param>
/// <param name="ConstructorArguments">Indexes into <paramref name="Members"/>, in constructor parameter order.</param>
/// <param name="InitializedMembers">Indexes of members set by an object initializer.</param>
internal sealed record FormatterModel(
    string Type,
    bool IsValueType,
    EquatableArray<FormatterMemberModel> Members,
    EquatableArray<int> ConstructorArguments,
    EquatableArray<int> InitializedMembers);
