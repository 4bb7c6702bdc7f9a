using Channels.Generators.Helpers;

namespace Channels.Generators.Model;

/// <summary>A codec that writes and reads a positional record's MemoryPack encoding itself.</summary>
/// <param name="Members">The record's parameters, in wire and constructor order.</param>
/// <param name="OwnFormatter">
/// A plain record, serialized by the formatter this generator emits (which wants exactly its member count); otherwise a
/// <c>[MemoryPackable]</c> one, serialized by MemoryPack's (which takes fewer members from an older peer).
/// </param>
internal sealed record DirectCodecModel(EquatableArray<DirectMemberModel> Members, bool OwnFormatter);
