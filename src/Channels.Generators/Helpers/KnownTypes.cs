namespace Channels.Generators.Helpers;

/// <summary>Metadata names of the types the generator recognizes.</summary>
internal static class KnownTypes
{
    public const string ChannelContractAttribute = "Channels.ChannelContractAttribute";
    public const string ChildEntryAttribute = "Channels.ChildEntryAttribute";
    public const string ChildProcess = "Channels.ChildProcess";
    public const string QueueAttribute = "Channels.QueueAttribute";
    public const string ProcessQueue = "Channels.ProcessQueue`1";
    public const string ChannelCall = "Channels.ChannelCall`2";
    public const string PoolFunctionAttribute = "Channels.PoolFunctionAttribute";
    public const string ProcessPool = "Channels.ProcessPool";
    public const string ChannelReader = "System.Threading.Channels.ChannelReader`1";
    public const string ChannelWriter = "System.Threading.Channels.ChannelWriter`1";
    public const string AsyncDisposable = "System.IAsyncDisposable";
    public const string CancellationToken = "System.Threading.CancellationToken";
    public const string Task = "System.Threading.Tasks.Task";
    public const string TaskOfT = "System.Threading.Tasks.Task`1";
    public const string ValueTask = "System.Threading.Tasks.ValueTask";
    public const string ValueTaskOfT = "System.Threading.Tasks.ValueTask`1";

    public const string MemoryPackable = "MemoryPack.MemoryPackableAttribute";
    public const string MemoryPackableInterface = "MemoryPack.IMemoryPackable`1";
    public const string MemoryPackUnion = "MemoryPack.MemoryPackUnionAttribute";
    public const string MemoryPackIgnore = "MemoryPack.MemoryPackIgnoreAttribute";
    public const string MemoryPackInclude = "MemoryPack.MemoryPackIncludeAttribute";
    public const string MemoryPackOrder = "MemoryPack.MemoryPackOrderAttribute";

    /// <summary>Reference types that MemoryPack serializes without help.</summary>
    public static readonly string[] BuiltInClasses =
    {
        "System.String", "System.Version", "System.Uri", "System.TimeZoneInfo", "System.Text.StringBuilder",
        "System.Collections.BitArray", "System.Globalization.CultureInfo", "System.Type",
    };

    /// <summary>Value types with references inside that MemoryPack serializes without help.</summary>
    public static readonly string[] BuiltInStructs =
    {
        "System.Numerics.BigInteger",
    };

    /// <summary>Generic types that MemoryPack serializes when their type arguments are serializable.</summary>
    public static readonly string[] BuiltInGenerics =
    {
        "System.Nullable`1", "System.Lazy`1", "System.Memory`1", "System.ReadOnlyMemory`1", "System.ArraySegment`1",
        "System.Buffers.ReadOnlySequence`1",
        "System.Collections.Generic.KeyValuePair`2",
        "System.Tuple`1", "System.Tuple`2", "System.Tuple`3", "System.Tuple`4", "System.Tuple`5", "System.Tuple`6", "System.Tuple`7", "System.Tuple`8",
        "System.ValueTuple`1", "System.ValueTuple`2", "System.ValueTuple`3", "System.ValueTuple`4", "System.ValueTuple`5", "System.ValueTuple`6", "System.ValueTuple`7", "System.ValueTuple`8",
        "System.Collections.Generic.List`1", "System.Collections.Generic.Stack`1", "System.Collections.Generic.Queue`1",
        "System.Collections.Generic.LinkedList`1", "System.Collections.Generic.HashSet`1", "System.Collections.Generic.SortedSet`1",
        "System.Collections.Generic.PriorityQueue`2", "System.Collections.Generic.Dictionary`2",
        "System.Collections.Generic.SortedDictionary`2", "System.Collections.Generic.SortedList`2",
        "System.Collections.Concurrent.ConcurrentDictionary`2", "System.Collections.Concurrent.ConcurrentQueue`1",
        "System.Collections.Concurrent.ConcurrentStack`1", "System.Collections.Concurrent.ConcurrentBag`1",
        "System.Collections.ObjectModel.Collection`1", "System.Collections.ObjectModel.ReadOnlyCollection`1",
        "System.Collections.ObjectModel.ObservableCollection`1", "System.Collections.ObjectModel.ReadOnlyObservableCollection`1",
        "System.Collections.ObjectModel.ReadOnlyDictionary`2",
        "System.Collections.Generic.IEnumerable`1", "System.Collections.Generic.ICollection`1",
        "System.Collections.Generic.IReadOnlyCollection`1", "System.Collections.Generic.IList`1",
        "System.Collections.Generic.IReadOnlyList`1", "System.Collections.Generic.IDictionary`2",
        "System.Collections.Generic.IReadOnlyDictionary`2", "System.Collections.Generic.ISet`1",
        "System.Collections.Generic.IReadOnlySet`1", "System.Linq.ILookup`2", "System.Linq.IGrouping`2",
        "System.Collections.Immutable.ImmutableArray`1", "System.Collections.Immutable.ImmutableList`1",
        "System.Collections.Immutable.ImmutableQueue`1", "System.Collections.Immutable.ImmutableStack`1",
        "System.Collections.Immutable.ImmutableHashSet`1", "System.Collections.Immutable.ImmutableSortedSet`1",
        "System.Collections.Immutable.ImmutableDictionary`2", "System.Collections.Immutable.ImmutableSortedDictionary`2",
        "System.Collections.Immutable.IImmutableList`1", "System.Collections.Immutable.IImmutableQueue`1",
        "System.Collections.Immutable.IImmutableStack`1", "System.Collections.Immutable.IImmutableSet`1",
        "System.Collections.Immutable.IImmutableDictionary`2",
    };
}
