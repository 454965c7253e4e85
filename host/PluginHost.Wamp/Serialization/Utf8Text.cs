using System.Buffers;
using System.Text.Unicode;

namespace PluginHost.Wamp.Serialization;

/// <summary>The UTF-8 check of text kept encoded (EncodedPayload.cs): what decoding it to a string would refuse.</summary>
internal static class Utf8Text
{
    public static bool IsValid(ReadOnlySequence<byte> text)
    {
        if (text.IsSingleSegment) return Utf8.IsValid(text.FirstSpan);
        if (text.Length > int.MaxValue) return false;
        // Joined first: a character may be split between segments.
        byte[] rented = ArrayPool<byte>.Shared.Rent((int)text.Length);
        try
        {
            text.CopyTo(rented);
            return Utf8.IsValid(rented.AsSpan(0, (int)text.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
