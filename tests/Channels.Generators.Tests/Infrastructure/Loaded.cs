using System.Buffers;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace Channels.Generators.Tests.Infrastructure;

/// <summary>Emits a generated compilation to memory, loads it, and drives its generated codecs through reflection.</summary>
internal sealed class Loaded
{
    private Loaded(Assembly assembly) => Assembly = assembly;

    public Assembly Assembly { get; }

    public static Loaded Compile(params (string Path, string Text)[] sources)
    {
        GeneratorResult result = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources), withMemoryPack: true);
        result.AssertCompilesCleanly();
        using var image = new MemoryStream();
        EmitResult emitted = result.Compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return new Loaded(Assembly.Load(image.ToArray()));
    }

    public Type Type(string name) => Assembly.GetType(name, throwOnError: true)!;

    public object Create(string typeName, params object?[] arguments) => Activator.CreateInstance(Type(typeName), arguments)!;

    /// <summary>The generated codec class <paramref name="codec"/> nested in <paramref name="contract"/>.</summary>
    public Codec GetCodec(string contract, string codec)
    {
        Type type = Type(contract + "+" + codec);
        object instance = type.GetField("Instance", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        return new Codec(instance, type.GetMethod("Encode")!, type.GetMethod("Decode")!);
    }

    public ulong Fingerprint(string contract)
    {
        object definition = Type(contract).GetProperty("Definition", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var descriptor = (Channels.Contracts.ContractDescriptor)definition.GetType().GetProperty("Descriptor")!.GetValue(definition)!;
        return descriptor.Fingerprint;
    }

    internal sealed record Codec(object Instance, MethodInfo EncodeMethod, MethodInfo DecodeMethod)
    {
        public byte[] Encode(object value)
        {
            var output = new ArrayBufferWriter<byte>();
            EncodeMethod.Invoke(Instance, new[] { output, value });
            return output.WrittenSpan.ToArray();
        }

        public object Decode(ReadOnlySequence<byte> payload)
        {
            try
            {
                return DecodeMethod.Invoke(Instance, new object[] { payload })!;
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                throw;
            }
        }

        public object Decode(byte[] payload) => Decode(new ReadOnlySequence<byte>(payload));
    }
}
