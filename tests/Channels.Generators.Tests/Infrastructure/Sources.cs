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
}
