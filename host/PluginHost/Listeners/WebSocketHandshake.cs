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
        request = Parse(Encoding.Latin1.GetString(head));
        return request is null ? Outcome.NotPlainUpgrade : Outcome.Upgrade;
    }

    private static WebSocketHandshake? Parse(string head)
    {
        var lines = head.Split("\r\n");
        // 4.1 (client requirements 1-2): "GET <target> HTTP/1.1", the target in origin form.
        var requestLine = lines[0].Split(' ');
        if (requestLine is not ["GET", var target, "HTTP/1.1"] || !target.StartsWith('/') || !IsPlainTarget(target)) return null;
        int query = target.IndexOf('?');
        var request = new WebSocketHandshake(query < 0 ? target : target[..query]);

        int hosts = 0, origins = 0, keys = 0;
        bool upgradeWebSocket = false, connectionUpgrade = false, version13 = false;
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i];
            int colon = line.IndexOf(':');
            if (colon <= 0 || !IsToken(line.AsSpan(0, colon)) || !IsPlainValue(line.AsSpan(colon + 1))) return null;
            string name = line[..colon];
            string value = line[(colon + 1)..].Trim(' ', '\t');
            switch (name.ToLowerInvariant())
            {
                case "host":
                    hosts++;
                    if (!IsPlainHost(value)) return null; // Kestrel answers 400 to a malformed one
                    break;
                case "upgrade":
                    upgradeWebSocket |= HasToken(value, "websocket");
                    break;
                case "connection":
                    connectionUpgrade |= HasToken(value, "upgrade");
                    break;
                case "sec-websocket-version":
                    version13 = value == "13";
                    break;
                case "sec-websocket-key":
                    keys++;
                    request.Key = value;
                    break;
                case "sec-websocket-protocol":
                    request.Protocols.AddRange(value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                    break;
                case "sec-websocket-extensions":
                    request.OffersDeflate |= value.Contains("permessage-deflate", StringComparison.OrdinalIgnoreCase);
                    break;
                case "origin":
                    origins++;
                    request.Origin = value;
                    break;
                case "cookie":
                    request.Cookies.Add(value);
                    break;
                case "content-length" or "transfer-encoding" or "expect":
                    return null; // a request with a body is no plain upgrade
            }
        }
        // 4.2.1: Host, "Upgrade: websocket", "Connection: Upgrade", version 13 and a key of 16 base64-encoded bytes.
        if (hosts != 1 || origins > 1 || keys != 1 || !upgradeWebSocket || !connectionUpgrade || !version13 || !IsValidKey(request.Key)) return null;
        return request;
    }

    /// <summary>The 101 answer (4.2.2): the accept hash of the key, the chosen subprotocol, extra header lines.</summary>
    public byte[] Accept(string? protocol, string? setCookie)
    {
        var response = new StringBuilder("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n");
        response.Append("Sec-WebSocket-Accept: ").Append(AcceptHash(Key)).Append("\r\n");
        if (protocol is not null) response.Append("Sec-WebSocket-Protocol: ").Append(protocol).Append("\r\n");
        if (setCookie is not null) response.Append("Set-Cookie: ").Append(setCookie).Append("\r\n");
        response.Append("\r\n");
        return Encoding.ASCII.GetBytes(response.ToString());
    }

    /// <summary>base64(SHA-1(key + the RFC's GUID)).</summary>
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 here: the hash proves the server read the handshake, it protects nothing.
    public static string AcceptHash(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
#pragma warning restore CA5350

    private static bool IsValidKey(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Convert.TryFromBase64String(key, decoded, out int length) && length == 16;
    }

    private static bool HasToken(string list, string token)
    {
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries))
            if (part.Equals(token, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>Visible ASCII but '%' (a percent-encoded path is decoded by Kestrel, and routed on the decoded form).</summary>
    private static bool IsPlainTarget(string target)
    {
        foreach (char c in target)
            if (c is <= ' ' or >= (char)0x7F or '%') return false;
        return true;
    }

    /// <summary>A reg-name or IP literal with an optional port: letters, digits and . - _ : [ ].</summary>
    private static bool IsPlainHost(string host)
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
