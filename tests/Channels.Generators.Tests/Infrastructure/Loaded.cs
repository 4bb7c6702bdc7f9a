using System.Buffers;
using System.Linq;
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
        Type message = type.GetInterfaces().Single(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(Channels.Contracts.ISpanLaneCodec<>)).GetGenericArguments()[0];
        MethodInfo decodeSpan = typeof(Codec).GetMethod(nameof(Codec.DecodeSpan), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(message);
        // Direct codecs also encode into a span: the runtime's other callers use the IBufferWriter overload.
        MethodInfo encode = type.GetMethods().Single(m => m.Name == "Encode" && m.GetParameters()[0].ParameterType == typeof(IBufferWriter<byte>));
        return new Codec(instance, encode, type.GetMethod("Decode", [typeof(ReadOnlySequence<byte>).MakeByRefType()])!, decodeSpan);
    }

    public ulong Fingerprint(string contract)
    {
        object definition = Type(contract).GetProperty("Definition", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var descriptor = (Channels.Contracts.ContractDescriptor)definition.GetType().GetProperty("Descriptor")!.GetValue(definition)!;
        return descriptor.Fingerprint;
    }

    internal sealed record Codec(object Instance, MethodInfo EncodeMethod, MethodInfo DecodeMethod, MethodInfo DecodeSpanMethod)
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

        /// <summary>
        /// Decodes <paramref name="payload"/> through both overloads the runtime uses (sequence and span): they must
        /// agree, on the value (compared by its encoding) and on refusing it.
        /// </summary>
        public object Decode(byte[] payload)
        {
            Exception? spanError = null;
            object? fromSpan = null;
            try
            {
                fromSpan = Invoke(DecodeSpanMethod, null, [Instance, payload]);
            }
            catch (Exception ex)
            {
                spanError = ex;
            }
            object fromSequence;
            try
            {
                fromSequence = Decode(new ReadOnlySequence<byte>(payload));
            }
            catch (Exception ex)
            {
                Assert.NotNull(spanError);
                Assert.Equal(ex.GetType(), spanError!.GetType());
                throw;
            }
            Assert.Null(spanError);
            Assert.Equal(Encode(fromSequence), Encode(fromSpan!));
            return fromSequence;
        }

        private static object? Invoke(MethodInfo method, object? target, object?[] arguments)
        {
            try
            {
                return method.Invoke(target, arguments);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
                throw;
            }
        }

        internal static T DecodeSpan<T>(object codec, byte[] payload) => ((Channels.Contracts.ISpanLaneCodec<T>)codec).Decode(payload.AsSpan());
    }
}
