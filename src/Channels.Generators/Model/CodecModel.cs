namespace Channels.Generators.Model;

/// <summary>A lane codec class: one per distinct message type of a contract.</summary>
/// <param name="Name">Class name (<c>__Codec_Demo_Job</c>).</param>
/// <param name="MessageType">Fully qualified message type with nullable annotations.</param>
/// <param name="DisplayName">The message type for error messages (<c>Demo.Job</c>).</param>
/// <param name="IsUnmanaged">Copied as raw bytes (what MemoryPack does for unmanaged structs) instead of through MemoryPack.</param>
/// <param name="IsValueType">A struct (the deserialization target is declared without '?').</param>
/// <param name="IsByteArray">A <c>byte[]</c>: the codec says it encodes as MemoryPack does, so links may receive large ones into their own arrays.</param>
/// <param name="Direct">How the codec writes and reads the type's MemoryPack encoding itself; null when it calls MemoryPack.</param>
internal sealed record CodecModel(
    string Name,
    string MessageType,
    string DisplayName,
    bool IsUnmanaged,
    bool IsValueType,
    bool IsByteArray,
    DirectCodecModel? Direct);
