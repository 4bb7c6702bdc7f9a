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
    private static readonly Lazy<Loaded> Worker = new(() => Loaded.Compile(("/src/Worker.cs", Sources.Worker)));

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
        ulong renamedType = Loaded.Compile(("/src/Worker.cs", Sources.Worker.Replace("Address", "Place", StringComparison.Ordinal))).Fingerprint("Demo.IWorker");
        ulong changedField = Loaded.Compile(("/src/Worker.cs", Sources.Worker.Replace("double Score", "float Score", StringComparison.Ordinal))).Fingerprint("Demo.IWorker");
        ulong nestedChange = Loaded.Compile(("/src/Worker.cs", Sources.Worker.Replace("int Zip", "long Zip", StringComparison.Ordinal))).Fingerprint("Demo.IWorker");
        ulong swappedDirection = Loaded.Compile(("/src/Worker.cs", Sources.Worker.Replace("ChannelWriter<Customer>", "ChannelReader<Customer>", StringComparison.Ordinal))).Fingerprint("Demo.IWorker");

        Assert.Equal(original, again);
        Assert.NotEqual(original, changedField);
        Assert.NotEqual(original, nestedChange);
        Assert.NotEqual(original, swappedDirection);
        // A member named Address keeps its name: renaming the type alone leaves the wire unchanged except for the member's name.
        Assert.NotEqual(original, renamedType);
    }

    /// <summary>MemoryPackSerializer.Serialize&lt;T&gt;(in T): the generic path, which handles unregistered unmanaged structs.</summary>
    private static byte[] SerializeGeneric(object value)
    {
        System.Reflection.MethodInfo method = typeof(MemoryPackSerializer).GetMethods()
            .Single(static m => m.Name == "Serialize" && m.IsGenericMethodDefinition && m.GetGenericArguments().Length == 1 && m.ReturnType == typeof(byte[]));
        return (byte[])method.MakeGenericMethod(value.GetType()).Invoke(null, new[] { value, null })!;
    }
}
