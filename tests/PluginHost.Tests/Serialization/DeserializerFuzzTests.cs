using System.Buffers;
using CsCheck;
using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

/// <summary>
/// Property-based fuzzing of the three deserializers (CsCheck, a few seconds each; a failure prints the shrunk input
/// and the seed that reproduces it). Properties: decoding any input either yields a message or throws
/// WampProtocolException, never anything else; a decoded message encodes again and decodes to the same type, so
/// nothing the decoder lets through can break the router's writers.
/// </summary>
public class DeserializerFuzzTests
{
    private const int Seconds = 3;

    private static void DecodesOrRejectsCleanly(string serializer, byte[] bytes)
    {
        var s = Get(serializer);
        WampMessage message;
        try
        {
            message = s.Deserialize(new ReadOnlySequence<byte>(bytes));
        }
        catch (WampProtocolException)
        {
            return;
        }
        // Split into segments too: transports hand over multi-segment sequences.
        var again = Decode(s, Encode(s, message));
        Assert.Equal(message.Type, again.Type);
        Assert.Equal(message.Type, s.Deserialize(SegmentedSequence.Create(bytes, 3)).Type);
    }

    [Fact]
    public void RandomBytesDecodeOrThrowOnlyTheProtocolException()
        => Gen.Select(WireFuzz.Serializer, Gen.Byte.Array[0, 300])
            .Sample((serializer, bytes) => DecodesOrRejectsCleanly(serializer, bytes), time: Seconds, threads: 1);

    [Fact]
    public void ByteMutationsOfValidMessagesDecodeOrThrowOnlyTheProtocolException()
        => Gen.Select(WireFuzz.Serializer, WireFuzz.PlausibleFields, WireFuzz.Edits)
            .Sample((serializer, fields, edits) =>
            {
                if (WireFuzz.TryEncode(serializer, fields) is not { } frame) return;
                DecodesOrRejectsCleanly(serializer, WireFuzz.Mutate(frame, edits));
            }, time: Seconds, threads: 1);

    [Fact]
    public void StructuralMutationsDecodeOrThrowOnlyTheProtocolException()
        => Gen.Select(WireFuzz.Serializer, Gen.Frequency((1, WireFuzz.PlausibleFields), (3, WireFuzz.MutatedFields)))
            .Sample((serializer, fields) =>
            {
                if (WireFuzz.TryEncode(serializer, fields) is not { } frame) return;
                DecodesOrRejectsCleanly(serializer, frame);
                // What decodes obeys the spec's rules whatever the fuzzer put in: a type code is never narrowed, and a
                // float one never accepted (System.Text.Json writes an integral double as an integer token, so in JSON
                // 48.0 reaches the decoder as 48).
                long? sent = fields[0] switch
                {
                    long l => l,
                    double d when serializer == "json" && d == Math.Floor(d) && Math.Abs(d) < 1e15 => (long)d,
                    _ => null,
                };
                try
                {
                    var message = Decode(Get(serializer), frame);
                    Assert.True(sent == (long)message.Type, $"type {fields[0]} decoded as {message.Type}");
                }
                catch (WampProtocolException) { }
            }, time: Seconds, threads: 1);
}
