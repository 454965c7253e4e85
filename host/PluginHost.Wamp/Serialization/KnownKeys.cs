namespace PluginHost.Wamp.Serialization;

/// <summary>
/// The keys of WAMP's Details and Options dictionaries (HELLO's and WELCOME's roles and features, the options of
/// CALL, REGISTER, PUBLISH, SUBSCRIBE, CANCEL, the details of authentication), one string each for the process. The
/// readers give the shared string for a map key whose bytes are one of these instead of decoding a new string per key:
/// an Autobahn client's HELLO alone has ~35 of them, and they would otherwise be garbage a moment later (issue 13).
/// A key not listed here is decoded as before; listing one more changes nothing but the allocation.
/// </summary>
internal static class KnownKeys
{
    private static readonly string[] Keys =
    [
        // HELLO / WELCOME / ABORT / GOODBYE details, authentication
        "agent", "realm", "roles", "features", "session", "transport", "authid", "authrole", "authmethod", "authmethods",
        "authprovider", "authextra", "message", "reason", "resumable", "resumed", "resume_session", "resume_token",
        "challenge", "nonce", "signature", "salt", "iterations", "kdf", "memory", "channel_binding", "cbind_data",
        "pubkey", "trustroot", "keylen", "timestamp", "type", "serializer", "peer", "protocol",
        // roles
        "caller", "callee", "publisher", "subscriber", "broker", "dealer",
        // features (advanced profile)
        "caller_identification", "call_canceling", "call_timeout", "call_reroute", "call_trustlevels",
        "progressive_call_results", "progressive_call_invocations", "pattern_based_registration", "shared_registration",
        "sharded_registration", "registration_revocation", "registration_meta_api", "session_meta_api",
        "testament_meta_api", "payload_passthru_mode", "payload_transparency", "payload_encryption_cryptobox",
        "publisher_identification", "publisher_exclusion", "subscriber_blackwhite_listing", "pattern_based_subscription",
        "sharded_subscription", "event_retention", "event_history", "subscription_revocation", "subscription_meta_api",
        "x_acknowledged_event_delivery", "reflection",
        // options and details of RPC and pub/sub
        "match", "invoke", "concurrency", "force_reregister", "disclose_me", "disclose_caller", "disclose_publisher",
        "receive_progress", "progress", "timeout", "mode", "procedure", "topic", "caller_authid", "caller_authrole",
        "publisher_authid", "publisher_authrole", "acknowledge", "exclude_me", "exclude", "exclude_authid",
        "exclude_authrole", "eligible", "eligible_authid", "eligible_authrole", "retain", "get_retained", "retained",
        "rkey", "trustlevel", "ppt_scheme", "ppt_serializer", "ppt_cipher", "ppt_keyid",
    ];

    /// <summary>The longest key, in bytes (all are ASCII).</summary>
    private static readonly int MaxLength = Keys.Max(key => key.Length);

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup
        = Keys.ToDictionary(key => key, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The shared string whose UTF-8 bytes these are, or null when they are no known key.</summary>
    public static string? Find(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty || utf8.Length > MaxLength) return null;
        Span<char> chars = stackalloc char[utf8.Length];
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] >= 0x80) return null; // every known key is ASCII
            chars[i] = (char)utf8[i];
        }
        return Lookup.TryGetValue(chars, out string? key) ? key : null;
    }
}
