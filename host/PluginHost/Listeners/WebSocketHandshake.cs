using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace PluginHost.Listeners;

/// <summary>
/// The opening handshake of RFC 6455 section 4, read straight off a connection by <see cref="WebSocketUpgrade"/>: the
/// client's request head, parsed only as far as a plain WebSocket upgrade needs, and the server's 101 answer.
/// The parser is deliberately narrow: whatever it does not fully understand (another method or HTTP version, an
/// absolute or percent-encoded target, folded or non-ASCII header lines, a body, two Host or Origin headers) is
/// "not a plain upgrade" and left to Kestrel's HTTP parser, which serves or refuses it as it always did.
/// </summary>
internal sealed class WebSocketHandshake
{
    /// <summary>A head longer than this is left to Kestrel (whose own limit is larger).</summary>
    public const int MaxHeadBytes = 8 * 1024;

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;
    private static ReadOnlySpan<byte> Get => "GET "u8;
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; // 4.2.2, step 5.4

    private WebSocketHandshake(string path) => Path = path;

    /// <summary>The request path, without the query string.</summary>
    public string Path { get; }
    public string Key { get; private set; } = "";
    public string? Origin { get; private set; }
    /// <summary>Sec-WebSocket-Protocol: the offered subprotocols in the client's order of preference.</summary>
    public List<string> Protocols { get; } = [];
    /// <summary>Sec-WebSocket-Extensions offers permessage-deflate.</summary>
    public bool OffersDeflate { get; private set; }
    /// <summary>The Cookie header lines, as sent.</summary>
    public List<string> Cookies { get; } = [];

    public enum Outcome { NeedMore, NotPlainUpgrade, Upgrade }

    /// <summary>
    /// Looks at the bytes received so far. <see cref="Outcome.Upgrade"/>: <paramref name="request"/> is a plain upgrade
    /// whose head is <paramref name="headLength"/> bytes long; <see cref="Outcome.NeedMore"/>: the head is not complete.
    /// </summary>
    public static Outcome TryParse(in ReadOnlySequence<byte> received, out WebSocketHandshake? request, out int headLength)
    {
        request = null;
        headLength = 0;
        // Most requests that are not upgrades are told apart by their first four bytes, without waiting for the head.
        int prefix = (int)Math.Min(received.Length, Get.Length);
        Span<byte> start = stackalloc byte[Get.Length];
        received.Slice(0, prefix).CopyTo(start);
        if (!Get[..prefix].SequenceEqual(start[..prefix])) return Outcome.NotPlainUpgrade;

        var reader = new SequenceReader<byte>(received);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> head, EndOfHead))
            return received.Length >= MaxHeadBytes ? Outcome.NotPlainUpgrade : Outcome.NeedMore;
        if (head.Length + EndOfHead.Length > MaxHeadBytes) return Outcome.NotPlainUpgrade;
        headLength = (int)head.Length + EndOfHead.Length;
        // The head as characters in a pooled buffer (Latin-1: one character per byte, as HTTP's field values are read).
        char[] chars = ArrayPool<char>.Shared.Rent((int)head.Length);
        try
        {
            int length = Encoding.Latin1.GetChars(head, chars);
            request = Parse(chars.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
        return request is null ? Outcome.NotPlainUpgrade : Outcome.Upgrade;
    }

    // Parsed on spans: only the values a session keeps (path, key, origin, subprotocols, cookies) become strings
    // (issue 13: what a session's join leaves for the GC).
    private static WebSocketHandshake? Parse(ReadOnlySpan<char> head)
    {
        ReadOnlySpan<char> rest = head;
        // 4.1 (client requirements 1-2): "GET <target> HTTP/1.1", the target in origin form.
        ReadOnlySpan<char> requestLine = NextLine(ref rest);
        if (requestLine.Length < "GET / HTTP/1.1".Length || !requestLine.StartsWith("GET ") || !requestLine.EndsWith(" HTTP/1.1")) return null;
        ReadOnlySpan<char> target = requestLine[4..^9];
        if (!target.StartsWith('/') || !IsPlainTarget(target)) return null; // a plain target has no space either
        int query = target.IndexOf('?');
        var request = new WebSocketHandshake((query < 0 ? target : target[..query]).ToString());

        int hosts = 0, origins = 0, keys = 0;
        bool upgradeWebSocket = false, connectionUpgrade = false, version13 = false;
        while (!rest.IsEmpty)
        {
            ReadOnlySpan<char> line = NextLine(ref rest);
            int colon = line.IndexOf(':');
            if (colon <= 0 || !IsToken(line[..colon]) || !IsPlainValue(line[(colon + 1)..])) return null;
            ReadOnlySpan<char> name = line[..colon]; // a token: ASCII, so ignoring case ordinally is what HTTP means
            ReadOnlySpan<char> value = line[(colon + 1)..].Trim(" \t");
            if (Is(name, "host"))
            {
                hosts++;
                if (!IsPlainHost(value)) return null; // Kestrel answers 400 to a malformed one
            }
            else if (Is(name, "upgrade")) upgradeWebSocket |= HasToken(value, "websocket");
            else if (Is(name, "connection")) connectionUpgrade |= HasToken(value, "upgrade");
            else if (Is(name, "sec-websocket-version")) version13 = value.SequenceEqual("13");
            else if (Is(name, "sec-websocket-key"))
            {
                keys++;
                request.Key = value.ToString();
            }
            else if (Is(name, "sec-websocket-protocol"))
            {
                foreach (Range part in value.Split(','))
                {
                    ReadOnlySpan<char> protocol = value[part].Trim();
                    if (!protocol.IsEmpty) request.Protocols.Add(protocol.ToString());
                }
            }
            else if (Is(name, "sec-websocket-extensions"))
                request.OffersDeflate |= value.Contains("permessage-deflate", StringComparison.OrdinalIgnoreCase);
            else if (Is(name, "origin"))
            {
                origins++;
                request.Origin = value.ToString();
            }
            else if (Is(name, "cookie")) request.Cookies.Add(value.ToString());
            else if (Is(name, "content-length") || Is(name, "transfer-encoding") || Is(name, "expect"))
                return null; // a request with a body is no plain upgrade
        }
        // 4.2.1: Host, "Upgrade: websocket", "Connection: Upgrade", version 13 and a key of 16 base64-encoded bytes.
        if (hosts != 1 || origins > 1 || keys != 1 || !upgradeWebSocket || !connectionUpgrade || !version13 || !IsValidKey(request.Key)) return null;
        return request;
    }

    /// <summary>The text up to the next CRLF (or the end), taken off <paramref name="rest"/>.</summary>
    private static ReadOnlySpan<char> NextLine(ref ReadOnlySpan<char> rest)
    {
        int end = rest.IndexOf("\r\n");
        ReadOnlySpan<char> line = end < 0 ? rest : rest[..end];
        rest = end < 0 ? default : rest[(end + 2)..];
        return line;
    }

    private static bool Is(ReadOnlySpan<char> name, string expected) => name.Equals(expected, StringComparison.OrdinalIgnoreCase);

    /// <summary>The 101 answer (4.2.2): the accept hash of the key, the chosen subprotocol, extra header lines.</summary>
    public void WriteAccept(IBufferWriter<byte> output, string? protocol, string? setCookie)
    {
        output.Write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "u8);
        Span<char> hash = stackalloc char[AcceptHashLength];
        Encoding.ASCII.GetBytes(hash[..FormatAcceptHash(Key, hash)], output);
        output.Write("\r\n"u8);
        if (protocol is not null) WriteHeader(output, "Sec-WebSocket-Protocol: "u8, protocol);
        if (setCookie is not null) WriteHeader(output, "Set-Cookie: "u8, setCookie);
        output.Write("\r\n"u8);
    }

    private static void WriteHeader(IBufferWriter<byte> output, ReadOnlySpan<byte> name, string value)
    {
        output.Write(name);
        Encoding.ASCII.GetBytes(value, output);
        output.Write("\r\n"u8);
    }

    /// <summary>base64(SHA-1(key + the RFC's GUID)).</summary>
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 here: the hash proves the server read the handshake, it protects nothing.
    public static string AcceptHash(string key)
    {
        Span<char> hash = stackalloc char[AcceptHashLength];
        return new string(hash[..FormatAcceptHash(key, hash)]);
    }

    /// <summary>Base64 of a SHA-1 hash: 28 characters.</summary>
    private const int AcceptHashLength = 28;

    private static int FormatAcceptHash(string key, Span<char> into)
    {
        // A checked key is 24 base64 characters (IsValidKey); any other string is hashed all the same. ASCII: one byte
        // per character.
        int length = key.Length + AcceptGuid.Length;
        Span<byte> input = length <= 256 ? stackalloc byte[256] : new byte[length];
        int written = Encoding.ASCII.GetBytes(key, input);
        written += Encoding.ASCII.GetBytes(AcceptGuid, input[written..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..written], hash);
        Convert.TryToBase64Chars(hash, into, out int hashLength);
        return hashLength;
    }
#pragma warning restore CA5350

    private static bool IsValidKey(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Convert.TryFromBase64String(key, decoded, out int length) && length == 16;
    }

    private static bool HasToken(ReadOnlySpan<char> list, string token)
    {
        foreach (Range part in list.Split(','))
            if (list[part].Trim().Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>Visible ASCII but '%' (a percent-encoded path is decoded by Kestrel, and routed on the decoded form).</summary>
    private static bool IsPlainTarget(ReadOnlySpan<char> target)
    {
        foreach (char c in target)
            if (c is <= ' ' or >= (char)0x7F or '%') return false;
        return true;
    }

    /// <summary>A reg-name or IP literal with an optional port: letters, digits and . - _ : [ ].</summary>
    private static bool IsPlainHost(ReadOnlySpan<char> host)
    {
        if (host.Length == 0) return false;
        foreach (char c in host)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '[' or ']')) return false;
        return true;
    }

    private static bool IsToken(ReadOnlySpan<char> name)
    {
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c))) return false;
        return true;
    }

    private static bool IsPlainValue(ReadOnlySpan<char> value)
    {
        foreach (char c in value)
            if (c is (< ' ' and not '\t') or >= (char)0x7F) return false;
        return true;
    }
}
