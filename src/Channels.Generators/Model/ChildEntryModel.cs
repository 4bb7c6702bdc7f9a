namespace Channels.Generators.Model;

/// <summary>What a [ChildEntry] method returns.</summary>
internal enum EntryReturnKind
{
    Void,
    Int,
    Task,
    TaskOfInt,
    ValueTask,
    ValueTaskOfInt,
}

/// <summary>One [ChildEntry] method, ready to register.</summary>
/// <param name="Key">The registry key: declaring type's reflection full name + "." + method name.</param>
/// <param name="Method">The fully qualified method to call.</param>
/// <param name="IsQueueEndpoint">The endpoint is an open queue contract (else the Peer of a link contract).</param>
/// <param name="Contract">The contract type, fully qualified.</param>
/// <param name="ArgumentType">The argument's type, fully qualified with annotations, or null.</param>
/// <param name="HasCancellationToken">The last parameter is a CancellationToken.</param>
/// <param name="ReturnKind">How to obtain the exit code.</param>
internal sealed record ChildEntryModel(
    string Key,
    string Method,
    bool IsQueueEndpoint,
    string Contract,
    string? ArgumentType,
    bool HasCancellationToken,
    EntryReturnKind ReturnKind);
