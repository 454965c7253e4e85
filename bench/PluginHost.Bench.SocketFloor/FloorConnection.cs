using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PluginHost.Bench.SocketFloor;

/// <summary>
/// One client: the HTTP upgrade, then WebSocket frames in and raw-echo replies out. Bytes read accumulate in
/// <see cref="_in"/> until whole frames are there; every reply they produce is appended to <see cref="_out"/> and
/// written with one send.
/// </summary>
internal sealed class FloorConnection(Socket socket) : IDisposable
{
    static readonly byte[] WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();
    static long s_sessions;

    public readonly int Fd = (int)socket.Handle;
    // Small to start (an idle connection holds both; the conn scenario reads the floor's memory per session too), grown
    // on demand.
    byte[] _in = new byte[512];
    int _inLength;
    byte[] _out = new byte[512];
    int _outStart, _outLength;
    bool _upgraded, _closing;

    public void Dispose() => socket.Dispose();

    /// <summary>Reads what has arrived, answers every whole frame in it; false once the connection is done.</summary>
    public bool OnReadable(int epoll)
    {
        while (true)
        {
            if (_inLength == _in.Length) Array.Resize(ref _in, _in.Length * 2);
            nint read = Native.Receive(Fd, _in.AsSpan(_inLength));
            if (read == 0) return false;
            if (read < 0) { if (Native.LastError == Native.EAGAIN) break; return false; }
            _inLength += (int)read;
            if (_inLength < _in.Length) break; // the kernel had less than the room: nothing more is waiting
        }
        int consumed = _upgraded ? AnswerFrames() : AnswerUpgrade();
        if (consumed > 0)
        {
            Buffer.BlockCopy(_in, consumed, _in, 0, _inLength - consumed);
            _inLength -= consumed;
        }
        return Flush(epoll) && !(_closing && _outLength == 0);
    }

    /// <summary>The rest of a reply the kernel could not take at once.</summary>
    public bool OnWritable(int epoll) => Flush(epoll) && !(_closing && _outLength == 0);

    int AnswerUpgrade()
    {
        int end = _in.AsSpan(0, _inLength).IndexOf("\r\n\r\n"u8);
        if (end < 0) return 0;
        string? key = null;
        bool wamp = false;
        foreach (string line in Encoding.ASCII.GetString(_in, 0, end).Split("\r\n"))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            string name = line[..colon].Trim(), value = line[(colon + 1)..].Trim();
            if (name.Equals("Sec-WebSocket-Key", StringComparison.OrdinalIgnoreCase)) key = value;
            else if (name.Equals("Sec-WebSocket-Protocol", StringComparison.OrdinalIgnoreCase) && value.Contains("wamp.2.json", StringComparison.Ordinal)) wamp = true;
        }
        if (key is null)
        {
            Append("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8);
            _closing = true;
            return end + 4;
        }
#pragma warning disable CA5350 // Sec-WebSocket-Accept is SHA-1 by definition (RFC 6455 §4.2.2); no security rests on it
        string accept = Convert.ToBase64String(SHA1.HashData([.. Encoding.ASCII.GetBytes(key), .. WebSocketGuid]));
#pragma warning restore CA5350
        Append(Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            $"Sec-WebSocket-Accept: {accept}\r\n" + (wamp ? "Sec-WebSocket-Protocol: wamp.2.json\r\n" : "") + "\r\n"));
        _upgraded = true;
        return end + 4;
    }

    /// <summary>Answers every whole frame in the input (RFC 6455 §5.2); returns the bytes they took.</summary>
    int AnswerFrames()
    {
        int at = 0;
        while (!_closing)
        {
            ReadOnlySpan<byte> rest = _in.AsSpan(at, _inLength - at);
            if (rest.Length < 2) break;
            int opcode = rest[0] & 0x0F;
            bool masked = (rest[1] & 0x80) != 0;
            long length = rest[1] & 0x7F;
            int header = 2;
            if (length == 126) { if (rest.Length < 4) break; length = BinaryPrimitives.ReadUInt16BigEndian(rest[2..]); header = 4; }
            else if (length == 127) { if (rest.Length < 10) break; length = (long)BinaryPrimitives.ReadUInt64BigEndian(rest[2..]); header = 10; }
            int maskAt = at + header;
            if (masked) header += 4;
            if (rest.Length < header + length) break;
            Span<byte> payload = _in.AsSpan(at + header, (int)length);
            if (masked)
            {
                for (int i = 0; i < payload.Length; i++) payload[i] ^= _in[maskAt + (i & 3)];
            }
            at += header + (int)length;
            switch (opcode)
            {
                case 0x8: AppendFrame(0x88, payload.Length >= 2 ? payload[..2] : default); _closing = true; break;
                case 0x9: AppendFrame(0x8A, payload); break;
                case 0x1 or 0x2: Answer(payload); break;
            }
        }
        return at;
    }

    /// <summary>The raw-echo replies: CALL → RESULT with the CALL's arguments, HELLO → WELCOME, GOODBYE → GOODBYE and
    /// a close; anything else comes back as it was.</summary>
    void Answer(ReadOnlySpan<byte> message)
    {
        var reader = new Utf8JsonReader(message);
        int type = -1;
        try
        {
            if (reader.Read() && reader.TokenType == JsonTokenType.StartArray && reader.Read() && reader.TokenType == JsonTokenType.Number)
                type = reader.GetInt32();
            if (type == 48) { AnswerCall(message, ref reader); return; }
        }
        catch (JsonException) { type = -1; }
        switch (type)
        {
            case 1:
                AppendFrame(0x81, Encoding.UTF8.GetBytes(
                    $"[2,{++s_sessions},{{\"roles\":{{\"dealer\":{{}},\"broker\":{{}}}},\"authmethod\":\"anonymous\"}}]"));
                break;
            case 6:
                AppendFrame(0x81, "[6,{},\"wamp.close.goodbye_and_out\"]"u8);
                AppendFrame(0x88, [0x03, 0xE8]);
                _closing = true;
                break;
            default:
                AppendFrame(0x81, message);
                break;
        }
    }

    /// <summary>[48, id, options, procedure, args?, ...] → [50, id, {}, args?], written straight into the output.</summary>
    void AnswerCall(ReadOnlySpan<byte> message, ref Utf8JsonReader reader)
    {
        reader.Read();
        long id = reader.GetInt64();
        reader.Read(); reader.Skip(); // options
        reader.Read();                // procedure
        ReadOnlySpan<byte> arguments = default;
        if (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
        {
            int start = (int)reader.TokenStartIndex;
            reader.Skip();
            arguments = message[start..(int)reader.BytesConsumed];
        }
        Span<byte> head = stackalloc byte[32];
        "[50,"u8.CopyTo(head);
        Utf8Formatter.TryFormat(id, head[4..], out int digits);
        int headLength = 4 + digits;
        ",{}"u8.CopyTo(head[headLength..]);
        headLength += 3;
        int length = headLength + (arguments.IsEmpty ? 0 : 1 + arguments.Length) + 1;
        Span<byte> into = AppendFrameHeader(0x81, length);
        head[..headLength].CopyTo(into);
        int at = headLength;
        if (!arguments.IsEmpty)
        {
            into[at++] = (byte)',';
            arguments.CopyTo(into[at..]);
            at += arguments.Length;
        }
        into[at] = (byte)']';
    }

    void AppendFrame(byte first, ReadOnlySpan<byte> payload) => payload.CopyTo(AppendFrameHeader(first, payload.Length));

    /// <summary>Appends a server frame's header (never masked, RFC 6455 §5.1) and returns the room for its payload.</summary>
    Span<byte> AppendFrameHeader(byte first, int payloadLength)
    {
        Span<byte> header = stackalloc byte[10];
        header[0] = first;
        int headerLength;
        if (payloadLength < 126) { header[1] = (byte)payloadLength; headerLength = 2; }
        else if (payloadLength <= ushort.MaxValue) { header[1] = 126; BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)payloadLength); headerLength = 4; }
        else { header[1] = 127; BinaryPrimitives.WriteUInt64BigEndian(header[2..], (ulong)payloadLength); headerLength = 10; }
        Append(header[..headerLength]);
        Span<byte> room = Reserve(payloadLength);
        return room;
    }

    void Append(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    Span<byte> Reserve(int length)
    {
        int end = _outStart + _outLength;
        if (end + length > _out.Length)
        {
            var bigger = new byte[Math.Max(_out.Length * 2, _outLength + length)];
            Buffer.BlockCopy(_out, _outStart, bigger, 0, _outLength);
            _out = bigger;
            _outStart = 0;
            end = _outLength;
        }
        _outLength += length;
        return _out.AsSpan(end, length);
    }

    /// <summary>Writes what is pending; if the kernel takes only part, waits for EPOLLOUT (and stops reading) until the
    /// rest is out.</summary>
    bool Flush(int epoll)
    {
        bool wasBlocked = _outStart > 0;
        while (_outLength > 0)
        {
            nint written = Native.Send(Fd, _out.AsSpan(_outStart, _outLength));
            if (written < 0)
            {
                if (Native.LastError != Native.EAGAIN) return false;
                if (!wasBlocked) Native.Modify(epoll, Fd, Native.EPOLLOUT);
                return true;
            }
            _outStart += (int)written;
            _outLength -= (int)written;
        }
        _outStart = 0;
        if (wasBlocked) Native.Modify(epoll, Fd, Native.EPOLLIN);
        return true;
    }
}
