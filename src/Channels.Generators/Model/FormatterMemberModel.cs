namespace Channels.Generators.Model;

/// <summary>How a formatter writes and reads one member.</summary>
internal enum MemberEncoding
{
    /// <summary><c>WriteString</c>/<c>ReadString</c>.</summary>
    String,

    /// <summary><c>WriteUnmanaged</c>/<c>ReadUnmanaged</c>: raw bytes.</summary>
    Unmanaged,

    /// <summary><c>WriteValue</c>/<c>ReadValue</c>: through the registered formatter.</summary>
    Value,
}

/// <summary>One serialized member of a plain message type.</summary>
/// <param name="Name">Member name, escaped for C#.</param>
/// <param name="Type">Fully qualified type with nullable annotations.</param>
/// <param name="Encoding">How it is written.</param>
/// <param name="NeedsNullForgiving">A reference type read back as nullable and assigned to a non-nullable target.</param>
internal sealed record FormatterMemberModel(string Name, string Type, MemberEncoding Encoding, bool NeedsNullForgiving);
