using System.Buffers;
using BenchmarkDotNet.Attributes;
using Channels.Benchmarks.Messages;
using Channels.Benchmarks.Systems.ChannelsLink;
using Channels.Benchmarks.Systems.HandWritten;
using Channels.Contracts;
using MemoryPack;

namespace Channels.Benchmarks.Micro;

/// <summary>
/// Encoding and decoding one message of each shape: MemoryPack called directly (what the hand-written baseline
/// does) against the lane codec that the generator emits for the benchmark contract (what Channels does).
/// Encoding writes into a reused pooled buffer; decoding reads from a <see cref="ReadOnlySequence{T}"/> as a lane does.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
public class CodecBenchmarks
{
    private readonly PooledBufferWriter _output = new(128 * 1024);
    private readonly SmallRecord _small = Payloads.SmallRing[42];
    private readonly Struct32 _struct = Payloads.StructRing[42];
    private readonly byte[] _bytes = Payloads.Bytes1K;
    private ReadOnlySequence<byte> _smallEncoded;
    private ReadOnlySequence<byte> _structEncoded;
    private ReadOnlySequence<byte> _bytesEncoded;
    private ILaneCodec<SmallRecord> _smallCodec = null!;
    private ILaneCodec<Struct32> _structCodec = null!;
    private ILaneCodec<byte[]> _bytesCodec = null!;
    private readonly Channels.Wire.OutputBuffer _linkOutput = new();
    private byte[] _smallBytes = [];

    /// <summary>Encodes one message of each shape for the decode benchmarks.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _smallBytes = MemoryPackSerializer.Serialize(_small);
        _smallEncoded = new ReadOnlySequence<byte>(_smallBytes);
        _structEncoded = new ReadOnlySequence<byte>(MemoryPackSerializer.Serialize(_struct));
        _bytesEncoded = new ReadOnlySequence<byte>(MemoryPackSerializer.Serialize(_bytes));
        _smallCodec = GeneratedCodecs.Find<SmallRecord>(typeof(IBenchLink));
        _structCodec = GeneratedCodecs.Find<Struct32>(typeof(IBenchLink));
        _bytesCodec = GeneratedCodecs.Find<byte[]>(typeof(IBenchLink));
    }

    /// <summary>Returns the buffer.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _output.Dispose();
        _linkOutput.Dispose();
    }

    /// <summary>Small record, MemoryPack directly.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("encode small")]
    public int EncodeSmallMemoryPack()
    {
        _output.Clear();
        MemoryPackSerializer.Serialize(_output, in _small);
        return _output.WrittenCount;
    }

    /// <summary>Small record, decoded.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("decode small")]
    public SmallRecord? DecodeSmallMemoryPack() => MemoryPackSerializer.Deserialize<SmallRecord>(in _smallEncoded);

    /// <summary>Unmanaged struct, MemoryPack directly.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("encode struct 32 B")]
    public int EncodeStructMemoryPack()
    {
        _output.Clear();
        MemoryPackSerializer.Serialize(_output, in _struct);
        return _output.WrittenCount;
    }

    /// <summary>Unmanaged struct, decoded.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("decode struct 32 B")]
    public Struct32 DecodeStructMemoryPack() => MemoryPackSerializer.Deserialize<Struct32>(in _structEncoded);

    /// <summary>1 KiB array, MemoryPack directly.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("encode 1 KiB")]
    public int EncodeBytesMemoryPack()
    {
        _output.Clear();
        MemoryPackSerializer.Serialize(_output, in _bytes);
        return _output.WrittenCount;
    }

    /// <summary>1 KiB array, decoded.</summary>
    [Benchmark(Baseline = true), BenchmarkCategory("decode 1 KiB")]
    public byte[]? DecodeBytesMemoryPack() => MemoryPackSerializer.Deserialize<byte[]>(in _bytesEncoded);

    /// <summary>Small record, generated lane codec.</summary>
    [Benchmark, BenchmarkCategory("encode small")]
    public int EncodeSmallGenerated()
    {
        _output.Clear();
        _smallCodec.Encode(_output, in _small);
        return _output.WrittenCount;
    }

    /// <summary>Small record, generated lane codec.</summary>
    [Benchmark, BenchmarkCategory("decode small")]
    public SmallRecord DecodeSmallGenerated() => _smallCodec.Decode(in _smallEncoded);

    /// <summary>Small record, generated lane codec, from a span (how a link's reader calls it).</summary>
    [Benchmark, BenchmarkCategory("decode small")]
    public SmallRecord DecodeSmallGeneratedSpan() => ((ISpanLaneCodec<SmallRecord>)_smallCodec).Decode(_smallBytes);

    /// <summary>
    /// Small record, as a link encodes a [MemoryPackable] message that is not a record of primitives and strings (the
    /// type's own code, a writer made for the link's buffer).
    /// </summary>
    [Benchmark, BenchmarkCategory("encode small")]
    public int EncodeSmallPackable()
    {
        _linkOutput.Reset();
        Channels.Wire.PackableEncoder<SmallRecord>.Encode(_linkOutput, in _small);
        return _linkOutput.Written;
    }

    /// <summary>Small record, as a link encodes it: the generated codec writes MemoryPack's bytes into the link's buffer.</summary>
    [Benchmark, BenchmarkCategory("encode small")]
    public int EncodeSmallLink()
    {
        _linkOutput.Reset();
        var direct = (IDirectLaneCodec<SmallRecord>)_smallCodec;
        _linkOutput.Advance(direct.Encode(_linkOutput.GetSpan(direct.GetMaxEncodedSize(in _small)), in _small));
        return _linkOutput.Written;
    }

    /// <summary>Unmanaged struct, generated lane codec.</summary>
    [Benchmark, BenchmarkCategory("encode struct 32 B")]
    public int EncodeStructGenerated()
    {
        _output.Clear();
        _structCodec.Encode(_output, in _struct);
        return _output.WrittenCount;
    }

    /// <summary>Unmanaged struct, generated lane codec.</summary>
    [Benchmark, BenchmarkCategory("decode struct 32 B")]
    public Struct32 DecodeStructGenerated() => _structCodec.Decode(in _structEncoded);

    /// <summary>1 KiB array, generated lane codec.</summary>
    [Benchmark, BenchmarkCategory("encode 1 KiB")]
    public int EncodeBytesGenerated()
    {
        _output.Clear();
        _bytesCodec.Encode(_output, in _bytes);
        return _output.WrittenCount;
    }

    /// <summary>1 KiB array, generated lane codec.</summary>
    [Benchmark, BenchmarkCategory("decode 1 KiB")]
    public byte[] DecodeBytesGenerated() => _bytesCodec.Decode(in _bytesEncoded);
}
