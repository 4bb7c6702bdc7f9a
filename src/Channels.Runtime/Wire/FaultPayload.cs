using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Channels.Wire;

/// <summary>
/// The payload of a Fault frame: three UTF-8 strings (exception type name, message, stack trace), each as
/// <c>u32 length | bytes</c>. The sender truncates each to its limit; the receiver rejects anything longer.
/// </summary>
internal static class FaultPayload
{
    /// <summary>Longest type name accepted, in bytes.</summary>
    public const int MaxTypeBytes = 1024;

    /// <summary>Longest message accepted, in bytes.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>Longest stack trace accepted, in bytes.</summary>
    public const int MaxStackBytes = 256 * 1024;

    /// <summary>Encodes <paramref name="error"/>, truncating long fields.</summary>
    public static byte[] Encode(Exception error)
        => Encode(error.GetType().FullName ?? error.GetType().Name, error.Message, error.StackTrace);

    /// <summary>Encodes the three fields of an error already in text form (a failed call's <see cref="RemoteException"/>), truncating long fields.</summary>
    public static byte[] Encode(string typeName, string messageText, string? stackTrace)
    {
        byte[] type = Truncate(typeName, MaxTypeBytes);
        byte[] message = Truncate(messageText, MaxMessageBytes);
        byte[] stack = Truncate(stackTrace ?? "", MaxStackBytes);
        var result = new byte[12 + type.Length + message.Length + stack.Length];
        int position = 0;
        Append(result, ref position, type);
        Append(result, ref position, message);
        Append(result, ref position, stack);
        return result;
    }

    /// <summary>Decodes a Fault payload into the exception a reader sees inside its <see cref="System.Threading.Channels.ChannelClosedException"/>.</summary>
    public static RemoteException Decode(ReadOnlySpan<byte> payload)
    {
        int position = 0;
        string type = ReadField(payload, ref position, MaxTypeBytes, "type name");
        string message = ReadField(payload, ref position, MaxMessageBytes, "message");
        string stack = ReadField(payload, ref position, MaxStackBytes, "stack trace");
        if (position != payload.Length)
            FrameParser.ThrowProtocol($"Fault frame has {payload.Length - position} bytes after its three fields.");
        return new RemoteException(type, message, stack.Length == 0 ? null : stack);
    }

    private static byte[] Truncate(string text, int maxBytes)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= maxBytes)
            return bytes;
        // Cut at a character boundary so the receiver's strict decoder accepts it.
        int cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
            cut--;
        return bytes.AsSpan(0, cut).ToArray();
    }

    private static void Append(byte[] destination, ref int position, byte[] field)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination.AsSpan(position), (uint)field.Length);
        field.CopyTo(destination, position + 4);
        position += 4 + field.Length;
    }

    private static string ReadField(ReadOnlySpan<byte> payload, ref int position, int maxBytes, string what)
    {
        if (payload.Length - position < 4)
            FrameParser.ThrowProtocol($"Fault frame is cut short before its {what}.");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(payload.Slice(position));
        if (length > (uint)maxBytes || length > (uint)(payload.Length - position - 4))
            FrameParser.ThrowProtocol($"Fault frame's {what} claims {length} bytes (limit {maxBytes}, {payload.Length - position - 4} left).");
        string text;
        try
        {
            text = StrictUtf8.GetString(payload.Slice(position + 4, (int)length));
        }
        catch (DecoderFallbackException ex)
        {
            throw new ProtocolException($"Fault frame's {what} is not valid UTF-8.", ex);
        }
        position += 4 + (int)length;
        return text;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
