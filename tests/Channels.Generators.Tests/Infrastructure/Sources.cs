namespace Channels.Generators.Tests.Infrastructure;

/// <summary>Representative user code, shared by golden, compile and run tests.</summary>
internal static class Sources
{
    /// <summary>The DESIGN.md link contract with three lanes: a [MemoryPackable] record, an unmanaged record struct, a plain record with a string and a nested plain record.</summary>
    public const string Worker = """
        using System.Threading.Channels;
        using Channels;
        using MemoryPack;

        namespace Demo;

        [MemoryPackable] public partial record Job(int Id, string Text);
        public record struct Result(int Id, double Score);
        public record Address(string City, int Zip);
        public record Customer(string Name, Address Address);

        [ChannelContract]
        public partial interface IWorker
        {
            ChannelWriter<Job> Jobs { get; }
            ChannelReader<Result> Results { get; }
            ChannelWriter<Customer> Customers { get; }
        }
        """;

    public const string JobBoard = """
        using Channels;
        using MemoryPack;

        namespace Demo;

        [MemoryPackable] public partial record Job(int Id, string Text);

        [ChannelContract]
        public partial interface IJobBoard
        {
            [Queue(Capacity = 2)] ProcessQueue<Job> Jobs { get; }
            ProcessQueue<long> Done { get; }
        }
        """;

    /// <summary>[ChildEntry] methods for <see cref="Worker"/>: every return kind, with and without argument and token.</summary>
    public const string EntriesForWorker = """
        namespace Demo.Entries
        {
            using System.Threading;
            using System.Threading.Tasks;
            using Channels;

            public static class WorkerMain
            {
                [ChildEntry]
                public static async Task Run(global::Demo.IWorker.Peer parent, CancellationToken ct)
                {
                    await foreach (var job in parent.Jobs.ReadAllAsync(ct))
                        await parent.Results.WriteAsync(new global::Demo.Result(job.Id, job.Text.Length), ct);
                    parent.Results.Complete();
                }

                [ChildEntry] public static Task<int> Named(global::Demo.IWorker.Peer parent, string name, CancellationToken ct) => Task.FromResult(name.Length);
                [ChildEntry] internal static ValueTask WithCustomer(global::Demo.IWorker.Peer parent, global::Demo.Customer customer) => default;
                [ChildEntry] public static ValueTask<int> Counted(global::Demo.IWorker.Peer parent) => new(3);
                [ChildEntry] public static void Plain(global::Demo.IWorker.Peer parent) { }
                [ChildEntry] public static int Code(global::Demo.IWorker.Peer parent, CancellationToken ct) => 7;

                public static class Nested
                {
                    [ChildEntry] public static Task Run(global::Demo.IWorker.Peer parent) => Task.CompletedTask;
                }
            }
        }
        """;
}
