using System.Globalization;
using System.Text;
using Channels.Generators.Helpers;
using Channels.Generators.Model;

namespace Channels.Generators;

public sealed partial class ContractGenerator
{
    private const string FieldWriter = "global::Channels.Contracts.MemoryPackFieldWriter";
    private const string FieldReader = "global::Channels.Contracts.MemoryPackFieldReader";

    /// <summary>
    /// The body of a codec that writes and reads MemoryPack's encoding of a positional record itself (see
    /// <see cref="DirectCodecs"/>): the object header, then each member in parameter order; decoding accepts a header
    /// with fewer members (the rest keep their defaults) as MemoryPack does, and fails with a ProtocolException
    /// instead of reading past the payload.
    /// </summary>
    private static void EmitDirectCodec(SourceWriter writer, CodecModel codec)
    {
        string type = codec.MessageType;
        string plain = type.TrimEnd('?');
        string target = plain + "?";
        DirectCodecModel direct = codec.Direct!;
        EquatableArray<DirectMemberModel> members = direct.Members;
        string count = members.Count.ToString(CultureInfo.InvariantCulture);
        // The formatter whose bytes the codec writes: MemoryPack's own, or the one emitted next to this codec.
        string check = direct.OwnFormatter
            ? $"UsesChannelsFormatter<{plain}>(typeof({codec.Name}).Assembly)"
            : $"UsesGeneratedFormatter<{plain}>()";

        writer.WriteLine($$"""
            // A formatter the application registered for the type wins: every call then goes through MemoryPack.
            private static readonly bool s_direct = global::Channels.Contracts.MemoryPackFormatterCheck.{{check}};

            public bool EncodesDirectly => s_direct;

            """);

        writer.WriteLine($"public int GetMaxEncodedSize(in {type} value)");
        writer.OpenBrace();
        writer.WriteLine("if (value is null)");
        writer.WriteLine($"    return {FieldWriter}.ObjectHeaderSize;");
        var fixedSize = new StringBuilder($"int size = {FieldWriter}.ObjectHeaderSize");
        foreach (DirectMemberModel member in members)
        {
            if (!member.IsString)
                fixedSize.Append($" + global::System.Runtime.CompilerServices.Unsafe.SizeOf<{member.Type}>()");
        }
        writer.WriteLine(fixedSize.Append(';').ToString());
        foreach (DirectMemberModel member in members)
        {
            if (member.IsString)
                writer.WriteLine($"size = {FieldWriter}.AddSizes(size, {FieldWriter}.MaxStringSize(value.{member.Name}));");
        }
        writer.WriteLine("return size;");
        writer.CloseBrace();
        writer.WriteLine();

        writer.WriteLine($"public int Encode(global::System.Span<byte> destination, in {type} value)");
        writer.OpenBrace();
        writer.WriteLine($"var writer = new {FieldWriter}(destination);");
        writer.WriteLine("if (value is null)");
        writer.OpenBrace();
        writer.WriteLine("writer.WriteNullObject();");
        writer.WriteLine("return writer.Written;");
        writer.CloseBrace();
        writer.WriteLine($"writer.WriteObjectHeader({count});");
        foreach (DirectMemberModel member in members)
            writer.WriteLine(member.IsString ? $"writer.WriteString(value.{member.Name});" : $"writer.Write(value.{member.Name});");
        writer.WriteLine("return writer.Written;");
        writer.CloseBrace();
        writer.WriteLine();

        writer.WriteLine($$"""
            public void Encode(global::System.Buffers.IBufferWriter<byte> output, in {{type}} value)
            {
                if (s_direct)
                    output.Advance(Encode(output.GetSpan(GetMaxEncodedSize(in value)), in value));
                else
                    global::MemoryPack.MemoryPackSerializer.Serialize<{{type}}, global::System.Buffers.IBufferWriter<byte>>(in output, in value);
            }

            public {{type}} Decode(in global::System.Buffers.ReadOnlySequence<byte> payload)
            {
                if (payload.IsSingleSegment)
                    return Decode(payload.FirstSpan);
                if (payload.Length > global::System.Array.MaxLength)
                    ThrowInvalid(payload.Length, null);
                int length = (int)payload.Length;
                byte[] copy = global::System.Buffers.ArrayPool<byte>.Shared.Rent(length);
                try
                {
                    global::System.Buffers.BuffersExtensions.CopyTo(payload, copy);
                    return Decode(new global::System.ReadOnlySpan<byte>(copy, 0, length));
                }
                finally
                {
                    global::System.Buffers.ArrayPool<byte>.Shared.Return(copy);
                }
            }

            """);

        writer.WriteLine($"public {type} Decode(global::System.ReadOnlySpan<byte> payload)");
        writer.OpenBrace();
        writer.WriteLine("if (!s_direct)");
        writer.WriteLine("    return DecodeThroughMemoryPack(payload);");
        writer.WriteLine("try");
        writer.OpenBrace();
        writer.WriteLine($"var reader = new {FieldReader}(payload);");
        // MemoryPack's formatters take fewer members from an older peer; the generated ones want them all.
        string header = direct.OwnFormatter ? $"TryReadObjectHeaderOf({count}, out int count)" : $"TryReadObjectHeader({count}, out int count)";
        writer.WriteLine($"if (!reader.{header})");
        writer.OpenBrace();
        writer.WriteLine("reader.EnsureEnd();");
        writer.WriteLine("return default!;");
        writer.CloseBrace();
        var construction = new StringBuilder("return new ").Append(plain).Append('(');
        for (int i = 0; i < members.Count; i++)
        {
            DirectMemberModel member = members[i];
            string index = i.ToString(CultureInfo.InvariantCulture);
            string read = member.IsString ? "reader.ReadString()" : $"reader.Read<{member.Type}>()";
            writer.WriteLine(direct.OwnFormatter ? $"var __{index} = {read};" : $"var __{index} = count > {index} ? {read} : default;");
            construction.Append(i == 0 ? "" : ", ").Append("__").Append(index).Append(member.IsString ? "!" : "");
        }
        writer.WriteLine("reader.EnsureEnd();");
        writer.WriteLine(construction.Append(");").ToString());
        writer.CloseBrace();
        writer.WriteLine("catch (global::Channels.ProtocolException ex)");
        writer.OpenBrace();
        writer.WriteLine("ThrowInvalid(payload.Length, ex);");
        writer.WriteLine("return default!;");
        writer.CloseBrace();
        writer.CloseBrace();
        writer.WriteLine();
        writer.WriteLine(MemoryPackDecode($"private static {type} DecodeThroughMemoryPack(global::System.ReadOnlySpan<byte> payload)", target, "payload"));
    }
}
