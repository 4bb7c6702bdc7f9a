using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Channels.Generators;

/// <summary>Every diagnostic the Channels generator reports, one descriptor per ID (documented in docs/diagnostics.md).</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Channels";
    private const string HelpBase = "https://github.com/channels-dotnet/channels/blob/main/docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor ContractNotPartial = Create(
        "CHN001",
        "Channel contract must be partial",
        "Contract '{0}' must be declared partial so that the generator can add its endpoints; add the 'partial' modifier",
        "The generator adds the Peer interface, the endpoints and the static members to the contract, which needs a partial declaration.");

    public static readonly DiagnosticDescriptor UnsupportedMember = Create(
        "CHN002",
        "Unsupported member in a channel contract",
        "Member '{0}' of contract '{1}' is not a lane: {2}; declare lanes as get-only properties of type ChannelReader<T>, ChannelWriter<T> or ProcessQueue<T>",
        "A contract declares only lanes: get-only instance properties of type ChannelReader<T>, ChannelWriter<T> (link contracts) or ProcessQueue<T> (queue contracts).");

    public static readonly DiagnosticDescriptor MessageNotSerializable = Create(
        "CHN003",
        "Message type is not serializable",
        "Message type of '{0}' cannot be serialized: {1}",
        "Messages are serialized with MemoryPack: [MemoryPackable] types, MemoryPack's built-in types, and plain records, classes and structs of those (for which the generator emits a formatter). The message names the path to the offending member and the advice that fits its type: bytes for streams, data for delegates, [MemoryPackUnion] for interfaces and abstract classes declared in the project, [MemoryPackable] or plain data for classes, records and structs.");

    public static readonly DiagnosticDescriptor NoLanes = Create(
        "CHN004",
        "Channel contract has no lanes",
        "Contract '{0}' declares no lanes; add at least one ChannelReader<T>, ChannelWriter<T> or ProcessQueue<T> property",
        "A contract without lanes cannot carry messages.");

    public static readonly DiagnosticDescriptor DuplicateLaneName = Create(
        "CHN005",
        "Lane name is duplicated or reserved",
        "Lane '{0}' of contract '{1}' {2}; rename the member",
        "Lane names must be unique and must not collide with the members the generator adds (Definition, CreatePipe, Listen, Peer, ConnectAsync, Create, Open, OpenAsync, DisposeAsync, names starting with '__').");

    public static readonly DiagnosticDescriptor TooManyLanes = Create(
        "CHN006",
        "Too many lanes",
        "Contract '{0}' has {1} lanes; the wire allows at most 65535; split the contract",
        "Lane numbers are 16-bit on the wire.");

    public static readonly DiagnosticDescriptor GenericContract = Create(
        "CHN007",
        "Channel contract cannot be generic",
        "Contract '{0}' {1}; declare a non-generic contract with concrete message types",
        "The schema fingerprint and the generated codecs are computed at compile time for concrete message types.");

    public static readonly DiagnosticDescriptor ChildEntrySignature = Create(
        "CHN008",
        "[ChildEntry] method has a wrong signature",
        "[ChildEntry] method '{0}' {1}; expected (endpoint[, argument][, CancellationToken]) returning Task, Task<int>, ValueTask, ValueTask<int>, void or int, where endpoint is a link contract's Peer or a queue contract",
        "A child entry receives one endpoint, optionally one serializable argument and optionally a CancellationToken, and returns its exit code (or nothing).");

    public static readonly DiagnosticDescriptor QueueOnNonQueueLane = Create(
        "CHN009",
        "[Queue] on a member that is not a ProcessQueue<T> lane",
        "[Queue] applies only to ProcessQueue<T> lanes, but '{0}' is not one; remove the attribute or change the member's type",
        "The [Queue] attribute configures process queues; it has no meaning on link lanes.");

    public static readonly DiagnosticDescriptor BadQueueCapacity = Create(
        "CHN010",
        "Queue capacity must not be negative",
        "Queue capacity {0} of lane '{1}' is negative; use 0 for an unbounded queue or a positive bound",
        "Capacity is the most items the queue holds across all processes; 0 means unbounded.");

    public static readonly DiagnosticDescriptor ContractNotAccessible = Create(
        "CHN011",
        "Channel contract is not accessible to generated code",
        "Contract '{0}' is {1}; the runtime and the child-entry registry must reach it: make it and its containing types internal or public",
        "Generated registries and child processes refer to the contract from outside its containing type.");

    public static readonly DiagnosticDescriptor MixedLaneKinds = Create(
        "CHN012",
        "Link lanes and queue lanes mixed",
        "Lane '{0}' of contract '{1}' is a {2} lane but the contract's other lanes are {3} lanes; a contract is either a link contract or a queue contract: move it to a separate contract",
        "Link lanes are point to point between two ends; queue lanes are shared by many processes. One contract cannot be both.");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Create(
        "CHN013",
        "Type containing a channel contract must be partial",
        "Type '{0}' contains contract '{1}' and must be declared partial; add the 'partial' modifier",
        "The generator re-opens the containing types to add the contract's members.");

    public static readonly DiagnosticDescriptor ChildEntryNotAccessible = Create(
        "CHN014",
        "[ChildEntry] method is not static, not accessible or duplicated",
        "[ChildEntry] method '{0}' {1}",
        "Child entries are registered by name from generated code in the same assembly: they must be static, internal or public (with containing types likewise), and their names unique.");

    public static readonly DiagnosticDescriptor ContractInheritsMembers = Create(
        "CHN015",
        "Channel contract inherits members",
        "Contract '{0}' inherits members from '{1}'; declare all lanes in the contract itself",
        "Lanes are numbered in declaration order of the contract; members inherited from base interfaces are not supported.");

    public static readonly DiagnosticDescriptor PoolFunctionNotMarked = Create(
        "CHN016",
        "ProcessPool function is not a static [PoolFunction] method",
        "The function passed to ProcessPool.{0} is {1}; pass a static method marked [PoolFunction]",
        "Pool workers are separate processes: they find a function by the name the generator registers, which exists only for static methods marked [PoolFunction] (not lambdas, anonymous methods, local functions, instance methods or delegate values).");

    public static readonly DiagnosticDescriptor PoolFunctionNotAccessible = Create(
        "CHN017",
        "[PoolFunction] method is not static, not accessible or duplicated",
        "[PoolFunction] method '{0}' {1}",
        "Pool functions are registered by name from generated code in the same assembly: they must be static, internal or public (with containing types likewise), and their names unique.");

    public static readonly DiagnosticDescriptor PoolFunctionSignature = Create(
        "CHN018",
        "[PoolFunction] method has a wrong signature",
        "[PoolFunction] method '{0}' {1}; expected TResult F(TArg) or Task<TResult> F(TArg, CancellationToken)",
        "A pool function takes one serializable argument (several values travel as a record or tuple) and returns one serializable result, synchronously or as Task<TResult> with a CancellationToken.");

    public static readonly DiagnosticDescriptor PoolFunctionNotSerializable = Create(
        "CHN019",
        "[PoolFunction] parameter or result is not serializable",
        "The {1} of [PoolFunction] method '{0}' cannot be serialized: {2}; mark the type [MemoryPackable] partial or use a serializable type",
        "Arguments and results travel between processes with MemoryPack: [MemoryPackable] types, MemoryPack's built-in types, and plain records, classes and structs of those.");

    public static readonly DiagnosticDescriptor ChildEntryNeverRun = Create(
        "CHN020",
        "Program has [ChildEntry] methods but never runs them",
        "This program has [ChildEntry] methods (such as '{0}') but never calls ChildProcess.RunAsync; begin Main with 'if (ChildProcess.IsChild) return await ChildProcess.RunAsync();', or each child runs Main again and starts children of its own",
        "A child process is this program started again. Without the RunAsync line its Main runs from the top instead of the entry, and every child starts more children (a fork bomb). The runtime refuses such a start at once; this warning finds the mistake at build time.",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ChildEntryArgument = Create(
        "CHN022",
        "Child entry must be a static [ChildEntry] method",
        "The child entry {0}; a child process runs this program again and finds its entry by name: pass a static method marked [ChildEntry]",
        "ChildProcess.StartAsync hands the child the name of its entry, not code: lambdas, local functions and instance methods have no name a new process can find, and a method without [ChildEntry] is not registered. Reported at the argument.");

    /// <summary>All descriptors, in ID order.</summary>
    public static readonly ImmutableArray<DiagnosticDescriptor> All = ImmutableArray.Create(
        ContractNotPartial, UnsupportedMember, MessageNotSerializable, NoLanes, DuplicateLaneName, TooManyLanes,
        GenericContract, ChildEntrySignature, QueueOnNonQueueLane, BadQueueCapacity, ContractNotAccessible,
        MixedLaneKinds, ContainingTypeNotPartial, ChildEntryNotAccessible, ContractInheritsMembers,
        PoolFunctionNotMarked, PoolFunctionNotAccessible, PoolFunctionSignature, PoolFunctionNotSerializable, ChildEntryNeverRun, ChildEntryArgument);

    public static DiagnosticDescriptor ById(string id)
    {
        foreach (DiagnosticDescriptor descriptor in All)
        {
            if (descriptor.Id == id)
                return descriptor;
        }
        throw new System.ArgumentException("Unknown diagnostic ID " + id, nameof(id));
    }

    private static DiagnosticDescriptor Create(string id, string title, string message, string description, DiagnosticSeverity severity = DiagnosticSeverity.Error)
        => new(id, title, message, Category, severity, isEnabledByDefault: true, description,
            helpLinkUri: HelpBase + id.ToLowerInvariant());
}
