using System.Buffers;
using Channels.Generators.Tests.Infrastructure;
using MemoryPack;
using Xunit;

namespace Channels.Generators.Tests;

/// <summary>
/// Generated code compiled (with MemoryPack's generator beside ours, as in a user's build), loaded and run: codecs
/// round-trip messages, unmanaged messages travel as MemoryPack's bytes, bad payloads become ProtocolException,
/// and the fingerprint follows the message shapes.
/// </summary>
public sealed class CompileAndRunTests
{
    private static readonly Lazy<Loaded> Worker = new(() => Loaded.Compile(("/src/Worker.cs", Sources.Worker), ("/src/Probe.cs", PipeProbe)));

    /// <summary>User code compiled with the contract: both ends of an in-process pipe through the generated endpoints.</summary>
    private const string PipeProbe = """
        using System.Threading.Tasks;

        namespace Demo;

        public static class Probe
        {
            public static async Task<string> RunAsync()
            {
                var (opener, peer) = IWorker.CreatePipe();
                await using (opener)
                await using (peer)
                {
                    Task<int> worker = WorkAsync(peer);
                    await opener.Jobs.WriteAsync(new Job(1, "hello"));
                    await opener.Jobs.WriteAsync(new Job(2, "pipes"));
                    opener.Jobs.Complete();
                    var results = new System.Collections.Generic.List<Result>();
                    await foreach (Result result in opener.Results.ReadAllAsync())
                        results.Add(result);
                    int total = await worker;
                    await opener.Customers.WriteAsync(new Customer("Ada", new Address("Bern", 3000)));
                    Customer customer = await peer.Customers.ReadAsync();
                    return $"{total}|{string.Join(",", results)}|{customer}";
                }
            }

            /// <summary>Both ends over a Unix socket in one process: every message goes through the generated codecs.</summary>
            public static async Task<string> SocketAsync(string directory)
            {
                // Both ends in the test process, which compiles in parallel on every core: the handshake gets the
                // test's own time limit rather than the default 10 s.
                var options = new Channels.ChannelOptions { RuntimeDirectory = directory, HandshakeTimeout = System.TimeSpan.FromSeconds(25) };
                await using var listener = IWorker.Listen("probe", options);
                Task<IWorker> accepting = listener.AcceptAsync().AsTask();
                await using IWorker.Peer peer = await IWorker.Peer.ConnectAsync("probe", options);
                await using IWorker opener = await accepting;

                Task<int> worker = WorkAsync(peer);
                for (int i = 0; i < 1000; i++)
                    await opener.Jobs.WriteAsync(new Job(i, new string('x', i % 17)));
                opener.Jobs.Complete();
                double scores = 0;
                int count = 0;
                await foreach (Result result in opener.Results.ReadAllAsync())
                {
                    scores += result.Score;
                    count++;
                }
                int total = await worker;
                await opener.Customers.WriteAsync(new Customer("Ada", new Address("Zürich", 8001)));
                Customer customer = await peer.Customers.ReadAsync();
                return $"{count}|{total}|{scores}|{customer}";
            }

            /// <summary>Bytes allocated by 10,000 encodes and decodes through a generated codec, after a warm-up.</summary>
            public static long[] CodecAllocations()
            {
                var codecs = System.Reflection.BindingFlags.NonPublic;
                var result = (Channels.Contracts.ILaneCodec<Result>)typeof(IWorker).GetNestedType("__Codec_Demo_Result", codecs)!.GetField("Instance")!.GetValue(null)!;
                var job = (Channels.Contracts.ILaneCodec<Job>)typeof(IWorker).GetNestedType("__Codec_Demo_Job", codecs)!.GetField("Instance")!.GetValue(null)!;
                var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
                var message = new Result(1, 2.5);
                var text = new Job(3, "sixteen chars!!!");
                long resultBytes = 0, jobEncodeBytes = 0;
                for (int round = 0; round < 2; round++)
                {
                    long before = System.GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < 10_000; i++)
                    {
                        buffer.ResetWrittenCount();
                        result.Encode(buffer, in message);
                        message = result.Decode(new System.Buffers.ReadOnlySequence<byte>(buffer.WrittenMemory));
                    }
                    resultBytes = System.GC.GetAllocatedBytesForCurrentThread() - before;
                    before = System.GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < 10_000; i++)
                    {
                        buffer.ResetWrittenCount();
                        job.Encode(buffer, in text);
                    }
                    jobEncodeBytes = System.GC.GetAllocatedBytesForCurrentThread() - before;
                }
                return new[] { resultBytes, jobEncodeBytes };
            }

            private static async Task<int> WorkAsync(IWorker.Peer peer)
            {
                int total = 0;
                await foreach (Job job in peer.Jobs.ReadAllAsync())
                {
                    await peer.Results.WriteAsync(new Result(job.Id, job.Text.Length));
                    total += job.Id;
                }
                peer.Results.Complete();
                return total;
            }
        }
        """;

    [Fact]
    public async Task InProcessPipeCarriesMessagesThroughGeneratedEndpoints()
    {
        System.Reflection.MethodInfo run = Worker.Value.Type("Demo.Probe").GetMethod("RunAsync")!;
        string outcome = await ((Task<string>)run.Invoke(null, null)!).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(
            "3|Result { Id = 1, Score = 5 },Result { Id = 2, Score = 5 }|Customer { Name = Ada, Address = Address { City = Bern, Zip = 3000 } }",
            outcome);
    }

    [Fact]
    public async Task SocketLinkCarriesMessagesThroughGeneratedCodecs()
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("channels-gen-");
        try
        {
            System.Reflection.MethodInfo run = Worker.Value.Type("Demo.Probe").GetMethod("SocketAsync")!;
            string outcome = await ((Task<string>)run.Invoke(null, new object[] { directory.FullName })!).WaitAsync(TimeSpan.FromSeconds(30));
            int expectedScores = 0;
            for (int i = 0; i < 1000; i++)
                expectedScores += i % 17;
            Assert.Equal($"1000|{999 * 1000 / 2}|{expectedScores}|Customer {{ Name = Ada, Address = Address {{ City = Zürich, Zip = 8001 }} }}", outcome);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void UnmanagedMessagesAndEncodingAllocateNothing()
    {
        long[] bytes = (long[])Worker.Value.Type("Demo.Probe").GetMethod("CodecAllocations")!.Invoke(null, null)!;
        Assert.Equal(0, bytes[0]);   // unmanaged message: encode and decode
        Assert.Equal(0, bytes[1]);   // [MemoryPackable] message with a string: encode
    }

    [Fact]
    public void PlainRecordWithStringAndNestedPlainRecordRoundTrips()
    {
        Loaded loaded = Worker.Value;
        object customer = loaded.Create("Demo.Customer", "Ada", loaded.Create("Demo.Address", "Zürich", 8001));
        Loaded.Codec codec = loaded.GetCodec("Demo.IWorker", "__Codec_Demo_Customer");

        byte[] payload = codec.Encode(customer);
        Assert.Equal(customer, codec.Decode(payload));
        Assert.Equal(customer, codec.Decode(Segments.Split(payload, 3)));
        // The registered formatter serves MemoryPack itself too (collections of the type, user calls).
        Assert.Equal(payload, MemoryPackSerializer.Serialize(customer.GetType(), customer));
    }

    [Fact]
    public void UnmanagedStructTravelsAsMemoryPacksBytes()
    {
        Loaded loaded = Worker.Value;
        object result = loaded.Create("Demo.Result", 42, 0.5);
        Loaded.Codec codec = loaded.GetCodec("Demo.IWorker", "__Codec_Demo_Result");

        byte[] payload = codec.Encode(result);
        Assert.Equal(SerializeGeneric(result), payload);
        Assert.Equal(result, codec.Decode(payload));
        Assert.Equal(result, codec.Decode(Segments.Split(payload, 5)));
    }

    [Fact]
    public void MemoryPackableMessageRoundTrips()
    {
        Loaded loaded = Worker.Value;
        object job = loaded.Create("Demo.Job", 7, "hello");
        Loaded.Codec codec = loaded.GetCodec("Demo.IWorker", "__Codec_Demo_Job");
        byte[] payload = codec.Encode(job);
        Assert.Equal(MemoryPackSerializer.Serialize(job.GetType(), job), payload);
        Assert.Equal(job, codec.Decode(payload));
    }

    [Theory]
    [InlineData("__Codec_Demo_Job")]
    [InlineData("__Codec_Demo_Result")]
    [InlineData("__Codec_Demo_Customer")]
    public void TruncatedPayloadIsAProtocolException(string codecName)
    {
        Loaded loaded = Worker.Value;
        Loaded.Codec codec = loaded.GetCodec("Demo.IWorker", codecName);
        object message = codecName switch
        {
            "__Codec_Demo_Job" => loaded.Create("Demo.Job", 7, "hello"),
            "__Codec_Demo_Result" => loaded.Create("Demo.Result", 1, 2.0),
            _ => loaded.Create("Demo.Customer", "Ada", loaded.Create("Demo.Address", "Bern", 3000)),
        };
        byte[] payload = codec.Encode(message);
        Assert.Throws<ProtocolException>(() => codec.Decode(payload.AsSpan(0, payload.Length - 1).ToArray()));
        Assert.Throws<ProtocolException>(() => codec.Decode(payload.Concat(new byte[] { 0 }).ToArray()));
    }

    [Theory]
    [InlineData(new byte[] { 255, 255, 255, 127 })]
    [InlineData(new byte[] { 2, 255, 255, 255, 127, 0 })]
    [InlineData(new byte[] { 9 })]
    [InlineData(new byte[0])]
    public void HostilePayloadIsAProtocolException(byte[] payload)
    {
        Loaded.Codec codec = Worker.Value.GetCodec("Demo.IWorker", "__Codec_Demo_Customer");
        Assert.Throws<ProtocolException>(() => codec.Decode(payload));
    }

    [Fact]
    public void FingerprintIsStableAndFollowsMessageShapes()
    {
        ulong original = Worker.Value.Fingerprint("Demo.IWorker");
        ulong again = Loaded.Compile(("/src/Worker.cs", Sources.Worker)).Fingerprint("Demo.IWorker");
        string renamedTypeOnly = Sources.Worker
            .Replace("public record Address(", "public record Place(", StringComparison.Ordinal)
            .Replace("Customer(string Name, Address Address)", "Customer(string Name, Place Address)", StringComparison.Ordinal);
        ulong renamedType = Loaded.Compile(("/src/Worker.cs", renamedTypeOnly)).Fingerprint("Demo.IWorker");
        ulong changedField = Loaded.Compile(("/src/Worker.cs", Sources.Worker.Replace("double Score", "float Score", StringComparison.Ordinal))).Fingerprint("Demo.IWorker");
        ulong nestedChange = Loaded.Compile(("/src/Worker.cs", Sources.Worker.Replace("int Zip", "long Zip", StringComparison.Ordinal))).Fingerprint("Demo.IWorker");
        ulong swappedDirection = Loaded.Compile(("/src/Worker.cs", Sources.Worker.Replace("ChannelWriter<Customer>", "ChannelReader<Customer>", StringComparison.Ordinal))).Fingerprint("Demo.IWorker");

        Assert.Equal(original, again);
        Assert.NotEqual(original, changedField);
        Assert.NotEqual(original, nestedChange);
        Assert.NotEqual(original, swappedDirection);
        // Type names are not on the wire: renaming a message type alone keeps both ends compatible.
        Assert.Equal(original, renamedType);
    }

    /// <summary>MemoryPackSerializer.Serialize&lt;T&gt;(in T): the generic path, which handles unregistered unmanaged structs.</summary>
    private static byte[] SerializeGeneric(object value)
    {
        System.Reflection.MethodInfo method = typeof(MemoryPackSerializer).GetMethods()
            .Single(static m => m.Name == "Serialize" && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 1 && m.ReturnType == typeof(byte[]));
        return (byte[])method.MakeGenericMethod(value.GetType()).Invoke(null, new[] { value, null })!;
    }
}
