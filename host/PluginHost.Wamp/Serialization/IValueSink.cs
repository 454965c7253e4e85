namespace PluginHost.Wamp.Serialization;

/// <summary>
/// Receives a value tree as a stream of events. <see cref="ValueWriter"/> walks the value
/// model once and each wire format implements this as a struct (or ref struct), so the
/// type dispatch lives in one place and the calls are devirtualized by the JIT.
/// </summary>
internal interface IValueSink
{
    void WriteNull();
    void WriteBool(bool value);
    void WriteInt64(long value);
    void WriteUInt64(ulong value);
    void WriteDouble(double value);
    void WriteSingle(float value);
    void WriteDecimal(decimal value);
    void WriteString(string value);
    void WriteBytes(ReadOnlySpan<byte> value);
    void StartArray(int count);
    void EndArray();
    void StartMap(int count);
    void WriteKey(string key);
    void EndMap();

    /// <summary>
    /// Copies a payload kept encoded to the output as it is, when it is in this sink's format; false (nothing written)
    /// when it is not, and the caller writes its decoded value instead.
    /// </summary>
    bool WriteEncoded(EncodedPayload payload);
}
