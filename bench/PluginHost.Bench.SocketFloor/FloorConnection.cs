using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace PluginHost.Bench.SocketFloor;

/// <summary>
/// One client's bytes: the HTTP upgrade, then WebSocket frames in (each whole text or binary message goes to the
/// <see cref="FloorRouter"/>) and frames out. Bytes read accumulate in <see cref="_in"/> until whole frames are there;
/// frames for this client accumulate in <see cref="_out"/> (from any connection's messages) until the loop flushes
/// them with one send after the wake-up.
/// </summary>
internal sealed class FloorConnection(Socket socket, FloorRouter router) : IDisposable
{
    static readonly byte[] WebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8.ToArray();

    public readonly int Fd = (int)socket.Handle;
    // Small to start (an idle connection holds both; the conn scenario reads the floor's memory per session too),
    // grown on demand.
    byte[] _in = new byte[512];
    int _inLength;
    byte[] _out = new byte[512];
    int _outStart, _outLength;
    bool _upgraded, _blocked;

    /// <summary>A GOODBYE or close was answered: the connection ends once its output is out.</summary>
    public bool Closing { get; set; }

    /// <summary>Gone: taken out of the loop, its socket closed.</summary>
    public bool Closed { get; private set; }

    /// <summary>In the router's list of connections to flush after this wake-up.</summary>
    public bool Touched { get; set; }

    public FloorSession? Session { get; set; }

    public void Dispose()
    {
        Closed = true;
        socket.Dispose(); // closing the socket takes it out of the epoll set
    }

    /// <summary>
    /// One read of what has arrived, every whole message in it handed on; false once the connection is done. One read per
    /// wake-up, however much is waiting: the set is level-triggered, so the rest wakes the loop again after the others
    /// had their turn (a client that never stops sending cannot keep the loop to itself).
    /// </summary>
    public bool OnReadable()
    {
        if (_inLength == _in.Length) Array.Resize(ref _in, _in.Length * 2); // a frame larger than the buffer so far
        nint read = Native.Receive(Fd, _in.AsSpan(_inLength));
        if (read == 0) return false;
        if (read < 0) return Native.LastError == Native.EAGAIN;
        _inLength += (int)read;
        int consumed = _upgraded ? ReadFrames() : AnswerUpgrade();
        if (consumed > 0)
        {
            Buffer.BlockCopy(_in, consumed, _in, 0, _inLength - consumed);
            _inLength -= consumed;
        }
        return true;
    }

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
            Closing = true;
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

    /// <summary>Takes every whole frame in the input (RFC 6455 §5.2); returns the bytes they took.</summary>
    int ReadFrames()
    {
        int at = 0;
        while (!Closing)
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
                case 0x8: AppendFrame(0x88, payload.Length >= 2 ? payload[..2] : default); Closing = true; break;
                case 0x9: AppendFrame(0x8A, payload); break;
                case 0x1 or 0x2: router.OnMessage(this, payload); break;
            }
        }
        return at;
    }

    /// <summary>Appends one text frame made of <paramref name="parts"/> in order.</summary>
    public void AppendText(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail = default, ReadOnlySpan<byte> end = default)
    {
        Span<byte> room = AppendFrameHeader(0x81, head.Length + tail.Length + end.Length);
        head.CopyTo(room);
        tail.CopyTo(room[head.Length..]);
        end.CopyTo(room[(head.Length + tail.Length)..]);
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
        return Reserve(payloadLength);
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

    /// <summary>
    /// Writes what is pending with one send; if the kernel takes only part, the rest waits for EPOLLOUT (the
    /// connection is not read meanwhile). False once the connection is done.
    /// </summary>
    public bool Flush(int epoll)
    {
        while (_outLength > 0)
        {
            nint written = Native.Send(Fd, _out.AsSpan(_outStart, _outLength));
            if (written < 0)
            {
                if (Native.LastError != Native.EAGAIN) return false;
                if (!_blocked) Native.Modify(epoll, Fd, Native.EPOLLOUT);
                _blocked = true;
                return true;
            }
            _outStart += (int)written;
            _outLength -= (int)written;
        }
        _outStart = 0;
        if (_blocked) Native.Modify(epoll, Fd, Native.EPOLLIN);
        _blocked = false;
        return !Closing;
    }
}
