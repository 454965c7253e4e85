using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace PluginHost.Listeners.Bridge;

/// <summary>A request the bridge refuses: HTTP status and Crossbar's message for it (sent as {"error", "args": [], "kwargs": {}}).</summary>
internal sealed record BridgeDenial(int Status, string Message)
{
    public const string Malformed = "Malformed request to the REST bridge.";
    public const string Unhandled = "Unhandled exception in Crossbar.";
}

/// <summary>
/// The checks every bridge request passes before it becomes a WAMP action, in Crossbar's order (its
/// bridge/rest/common.py): content type and charset, body size, GitHub signature, the signed-request query
/// parameters, client address, TLS, UTF-8, and (publisher, caller) a JSON object body.
/// </summary>
internal sealed class BridgeRequest
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private BridgeRequest(byte[] body, string text, JsonElement? json)
    {
        Body = body;
        Text = text;
        Json = json;
    }

    public byte[] Body { get; }
    /// <summary>The body as text (it is always valid UTF-8).</summary>
    public string Text { get; }
    /// <summary>The body's JSON object, for services that decode JSON.</summary>
    public JsonElement? Json { get; }

    /// <summary>Reads and checks a POST/PUT request; returns the request or why it is refused.</summary>
    public static async Task<(BridgeRequest? Request, BridgeDenial? Denial)> ReadAsync(HttpContext context, BridgeRequestOptions options,
        bool decodeJson, TimeProvider time, CancellationToken ct)
    {
        var request = context.Request;

        // Content type: JSON services take application/json or no content type at all; any charset must be UTF-8.
        var contentType = request.Headers.ContentType.FirstOrDefault();
        var elements = string.IsNullOrEmpty(contentType) ? [] : contentType.Split(';').Select(e => e.Trim().ToLowerInvariant()).ToArray();
        if (decodeJson && elements.Length > 0 && elements[0] != "application/json")
            return Deny(400, $"Non-accepted content type. (must be one of 'application/json', not '{elements[0]}')");
        if (elements.Length > 1 && !CharsetIsUtf8(elements))
            return Deny(400, "Non-accepted request encoding, must be UTF-8.");

        // post_body_limit: a declared length is refused before reading, an undeclared one once it is exceeded.
        int limit = options.PostBodyLimit;
        if (limit > 0 && request.ContentLength > limit)
            return Deny(413, $"Request too long. ({request.ContentLength} is longer than accepted {limit})");
        byte[] body;
        try
        {
            body = await ReadBodyAsync(request.Body, limit, ct).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Deny(413, $"Request too long. ({request.ContentLength?.ToString() ?? "body"} is longer than accepted {limit})");
        }
        if (limit > 0 && body.Length > limit)
            return Deny(413, $"Request too long. ({body.Length} is longer than accepted {limit})");

        // Crossbar logs this one under a misspelt category, so its message is the generic one.
        if (options.GithubSecret is { } github && !SignedRequest.GithubSignatureValid(github, request.Headers["X-Hub-Signature"].FirstOrDefault(), body))
            return Deny(400, BridgeDenial.Malformed);

        if (CheckQuery(request.Query, options, body, time) is { } queryDenial) return (null, queryDenial);

        if (options.RequireIp is { } networks)
        {
            var ip = context.Connection.RemoteIpAddress;
            if (ip is { IsIPv4MappedToIPv6: true }) ip = ip.MapToIPv4();
            if (ip is null || !networks.Any(n => n.Contains(ip)))
                return Deny(400, "Request denied based on IP address.");
        }

        if (options.RequireTls && !request.IsHttps)
            return Deny(400, BridgeDenial.Malformed); // Crossbar gives a reason, but its message template drops it

        string text;
        try { text = StrictUtf8.GetString(body); }
        catch (DecoderFallbackException) { return Deny(400, "Non-decodable request body, was not UTF-8."); }

        if (!decodeJson) return (new BridgeRequest(body, text, null), null);
        JsonElement json;
        try
        {
            using var doc = JsonDocument.Parse(text);
            json = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return Deny(400, "Request body was invalid JSON.");
        }
        if (json.ValueKind != JsonValueKind.Object)
            return Deny(400, "Request body was valid JSON, but not well formed (must be a dict).");
        return (new BridgeRequest(body, text, json), null);
    }

    private static (BridgeRequest?, BridgeDenial?) Deny(int status, string message) => (null, new BridgeDenial(status, message));

    private static bool CharsetIsUtf8(string[] elements)
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in elements)
        {
            if (!item.Contains('=')) continue;
            var kv = item.Split('=');
            if (kv.Length != 2 || !parts.TryAdd(kv[0].Trim(), kv[1].Trim())) return false; // Crossbar refuses these as encoding errors
        }
        return parts.GetValueOrDefault("charset", "utf-8") is "utf-8" or "utf8";
    }

    private static async Task<byte[]> ReadBodyAsync(Stream stream, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (limit > 0 && buffer.Length > limit) break; // enough to refuse it
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// The signed-request parameters. As in Crossbar, a timestamp, seq or nonce that is present is checked even
    /// when the service does not require signatures; with a secret all five are mandatory and the signature must match.
    /// </summary>
    private static BridgeDenial? CheckQuery(IQueryCollection query, BridgeRequestOptions options, byte[] body, TimeProvider time)
    {
        string? Param(string name) => query.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;
        static BridgeDenial Missing(string reason) => new(400, $"REST bridge signature was invalid (missing mandatory field - {reason}).");
        static BridgeDenial Invalid(string reason) => new(400, $"REST bridge signature was invalid ({reason}).");
        bool signed = options.Signed;

        var key = Param("key");
        if (key is null && signed) return Missing("'key' field missing");

        var timestamp = Param("timestamp");
        if (timestamp is not null)
        {
            if (!SignedRequest.TryParseTimestamp(timestamp, out var at))
                return Invalid($"invalid timestamp '{timestamp}' (must be UTC/ISO-8601, e.g. '2011-10-14T16:59:51.123Z')");
            var delta = Math.Abs((at - time.GetUtcNow().UtcDateTime).TotalSeconds);
            if (options.TimestampDeltaLimit > 0 && delta > options.TimestampDeltaLimit)
                return new BridgeDenial(400, "Request expired, too old timestamp.");
        }
        else if (signed) return Missing("signed request required, but mandatory 'timestamp' field missing");

        var seq = Param("seq");
        if (seq is not null)
        {
            if (!SignedRequest.IsInteger(seq)) return Invalid($"invalid sequence number '{seq}' (must be an integer)");
        }
        else if (signed) return Missing("'seq' field missing");

        var nonce = Param("nonce");
        if (nonce is not null)
        {
            if (!SignedRequest.IsInteger(nonce)) return Invalid($"invalid nonce '{nonce}' (must be an integer)");
        }
        else if (signed) return Missing("'nonce' field missing");

        var signature = Param("signature");
        if (signature is null && signed) return Missing("'signature' field missing");

        if (!signed) return null;
        if (!SignedRequest.SameText(key!, options.Key!))
            return new BridgeDenial(401, "REST bridge signature key not valid.");
        var expected = SignedRequest.Sign(options.Secret!, key!, timestamp!, seq!, nonce!, body);
        return SignedRequest.SameText(signature!, expected) ? null : new BridgeDenial(401, "REST bridge signature secret not valid.");
    }
}
