using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// wamp.2.json: UTF-8 JSON text frames. Binary values use the spec's "\u0000"+Base64 string
/// convention; integers decode as long (ulong above long.MaxValue), everything else as double.
/// </summary>
public sealed class JsonWampSerializer : IWampSerializer, IPayloadFormat
{
    public static readonly JsonWampSerializer Instance = new(keepPayloadsEncoded: false);

    /// <summary>
    /// The router's: keeps each message's Arguments and ArgumentsKw as the bytes they arrived in
    /// (<see cref="EncodedPayload"/>), which a JSON writer copies out as they are.
    /// </summary>
    internal static readonly JsonWampSerializer Routing = new(keepPayloadsEncoded: true);

    private readonly bool _keepPayloadsEncoded;

    private JsonWampSerializer(bool keepPayloadsEncoded) => _keepPayloadsEncoded = keepPayloadsEncoded;

    public string Name => "json";
    public string Subprotocol => "wamp.2.json";
    public bool IsBinary => false;
    public byte RawSocketId => 1;

    // Relaxed escaping keeps non-ASCII text and '+', '/' (Base64) unescaped: the output is
    // sent as a WebSocket/RawSocket frame, never embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true, // ValueWriter always produces well-formed structure
    };

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = ValueWriter.MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public void Serialize(WampMessage message, IBufferWriter<byte> output) => Write(output, message, null);

    /// <summary>Encodes a raw wire array; tests use it to produce malformed messages.</summary>
    internal static void SerializeFields(object?[] fields, IBufferWriter<byte> output) => Write(output, null, fields);

    /// <summary>Writes a message, or else a raw wire array, with this thread's writer.</summary>
    private static void Write(IBufferWriter<byte> output, WampMessage? message, object?[]? fields)
    {
        // One writer per thread, taken out while in use so re-entrant calls get their own.
        var writer = t_writer ?? new Utf8JsonWriter(NullBufferWriter.Instance, WriterOptions);
        t_writer = null;
        writer.Reset(output);
        try
        {
            var sink = new JsonSink(writer);
            if (message is not null) WampMessageCodec.Write(ref sink, message);
            else ValueWriter.WriteMessage(ref sink, fields!);
            writer.Flush();
        }
        finally
        {
            // Detach from the caller's buffer so the cached writer does not keep it alive.
            writer.Reset(NullBufferWriter.Instance);
            t_writer = writer;
        }
    }

    public WampMessage Deserialize(ReadOnlySequence<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data, ReaderOptions);
            if (!reader.Read()) throw new WampProtocolException("empty JSON message");
            var root = JsonValueReader.ReadMessage(ref reader, data, _keepPayloadsEncoded ? this : null);
            // A second top-level token (or garbage, which makes Read throw) is not one message.
            if (reader.Read()) throw new WampProtocolException("trailing data after JSON message");
            return MessageFieldsList.ToMessage(root, integralFloatIds: false, taken: _keepPayloadsEncoded);
        }
        catch (WampProtocolException) { throw; }
        catch (Exception ex)
        {
            throw new WampProtocolException($"invalid JSON message: {ex.Message}", ex);
        }
    }

    // A payload on its own: its outer container is at level 1 instead of 2, so one level less is allowed below it.
    private static readonly JsonReaderOptions PayloadReaderOptions = ReaderOptions with { MaxDepth = ValueWriter.MaxDepth - 1 };

    /// <summary>
    /// A JSON payload that reached this node in another envelope (the cluster's), kept encoded as the router keeps one
    /// it reads from a frame, after the same checks.
    /// </summary>
    /// <exception cref="WampProtocolException">it is not one JSON array (Arguments) or object (ArgumentsKw).</exception>
    internal static object KeepPayload(byte[] json, bool isArguments)
    {
        try
        {
            var reader = new Utf8JsonReader(json, PayloadReaderOptions);
            if (!reader.Read() || reader.TokenType != (isArguments ? JsonTokenType.StartArray : JsonTokenType.StartObject))
                throw new WampProtocolException(isArguments ? "Arguments is not a list" : "ArgumentsKw is not a dictionary");
            var kept = JsonValueReader.KeepEncoded(ref reader, new ReadOnlySequence<byte>(json), Routing, isArguments);
            if (reader.Read()) throw new WampProtocolException("trailing data after a JSON payload");
            return kept;
        }
        catch (WampProtocolException) { throw; }
        catch (Exception ex)
        {
            throw new WampProtocolException($"invalid JSON payload: {ex.Message}", ex);
        }
    }

    object IPayloadFormat.Decode(byte[] encoded)
    {
        var reader = new Utf8JsonReader(encoded, ReaderOptions);
        reader.Read();
        return JsonValueReader.ReadValue(ref reader)!; // checked when it was kept
    }

    private readonly struct JsonSink(Utf8JsonWriter w) : IValueSink
    {
        public bool WriteEncoded(EncodedPayload payload)
        {
            if (payload.Format is not JsonWampSerializer) return false;
            w.WriteRawValue(payload.Bytes, skipInputValidation: true);
            return true;
        }

        public void WriteNull() => w.WriteNullValue();
        public void WriteBool(bool value) => w.WriteBooleanValue(value);
        public void WriteInt64(long value) => w.WriteNumberValue(value);
        public void WriteUInt64(ulong value) => w.WriteNumberValue(value);

        public void WriteDouble(double value)
        {
            if (!double.IsFinite(value)) throw new ArgumentException($"JSON cannot represent the double {value}");
            w.WriteNumberValue(value); // shortest round-trippable form
        }

        public void WriteSingle(float value)
        {
            if (!float.IsFinite(value)) throw new ArgumentException($"JSON cannot represent the float {value}");
            w.WriteNumberValue(value);
        }

        public void WriteDecimal(decimal value) => w.WriteNumberValue(value);
        public void WriteString(string value) => w.WriteStringValue(value);

        public void WriteBytes(ReadOnlySpan<byte> value)
        {
            // Emit the finished token directly: "\u0000<base64>" needs no further escaping.
            var prefix = JsonBinary.Prefix;
            int length = prefix.Length + System.Buffers.Text.Base64.GetMaxEncodedToUtf8Length(value.Length) + 1;
            byte[] rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                prefix.CopyTo(rented);
                System.Buffers.Text.Base64.EncodeToUtf8(value, rented.AsSpan(prefix.Length), out _, out int written);
                int end = prefix.Length + written;
                rented[end] = (byte)'"';
                w.WriteRawValue(rented.AsSpan(0, end + 1), skipInputValidation: true);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        public void StartArray(int count) => w.WriteStartArray();
        public void EndArray() => w.WriteEndArray();
        public void StartMap(int count) => w.WriteStartObject();
        public void WriteKey(string key) => w.WritePropertyName(key);
        public void EndMap() => w.WriteEndObject();
    }

    /// <summary>Placeholder target for the idle cached writer; never written to.</summary>
    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();
        public void Advance(int count) => throw new InvalidOperationException();
        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException();
        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException();
    }
}
