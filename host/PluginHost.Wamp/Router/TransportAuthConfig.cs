namespace PluginHost.Wamp.Router;

/// <summary>
/// How sessions on a transport authenticate (Crossbar transport <c>auth</c>, static principals only).
/// A method is configured when its entry is non-null; the router picks the first method the client
/// offers in HELLO.authmethods that is configured here (Router/Authentication/AuthMethodSelector.cs).
/// </summary>
public sealed record TransportAuthConfig
{
    /// <summary>anonymous: the role every anonymous session gets; null = anonymous not allowed.</summary>
    public string? AnonymousRole { get; init; } = "anonymous";

    /// <summary>anonymous: a fixed authid (Crossbar <c>authid</c>); null = a random one per session.</summary>
    public string? AnonymousAuthId { get; init; }

    /// <summary>ticket: principals by authid.</summary>
    public IReadOnlyDictionary<string, TicketPrincipal>? Ticket { get; init; }

    /// <summary>wampcra: users by authid.</summary>
    public IReadOnlyDictionary<string, WampCraUser>? WampCra { get; init; }

    /// <summary>cryptosign: principals by authid.</summary>
    public IReadOnlyDictionary<string, CryptosignPrincipal>? Cryptosign { get; init; }

    /// <summary>scram (WAMP-SCRAM, offered as "scram" or "wamp-scram"): principals by authid.</summary>
    public IReadOnlyDictionary<string, ScramPrincipal>? Scram { get; init; }

    /// <summary>tls (TLS client certificate): principals by authid, matched on the certificate's SHA-1 fingerprint.</summary>
    public IReadOnlyDictionary<string, TlsPrincipal>? Tls { get; init; }

    /// <summary>
    /// Dynamic authenticators by method ("anonymous", "ticket", "wampcra", "cryptosign", "scram", "tls"): Crossbar's
    /// <c>{"type": "dynamic", "authenticator": ..., "authenticator-realm": ...}</c>. A method configured here is
    /// configured (its static entry above is then null).
    /// </summary>
    public IReadOnlyDictionary<string, DynamicAuthenticatorConfig>? Dynamic { get; init; }

    /// <summary>cookie: a connection whose tracked cookie an earlier session authenticated is welcomed as that principal.</summary>
    public bool CookieAuth { get; init; }

    /// <summary>Per connection: the cookie it carries (WebSocket cookie tracking); null without cookie tracking.</summary>
    public Store.ConnectionCookie? Cookie { get; init; }

    /// <summary>The router's own service sessions (Router/ServiceSession.cs): role "trusted", never authorized.</summary>
    internal bool Internal { get; init; }

    /// <summary>Anonymous sessions in role "anonymous": what a transport without <c>auth</c> does.</summary>
    public static TransportAuthConfig Anonymous { get; } = new();
}

/// <summary>
/// A dynamic authenticator: the procedure the router calls, on <paramref name="Realm"/> (Crossbar's
/// <c>authenticator-realm</c>; null = the realm the client asked to join).
/// </summary>
public sealed record DynamicAuthenticatorConfig(string Authenticator, string? Realm = null)
{
    /// <summary>For config validation: an authenticator or authorizer must be a valid procedure URI (loose check).</summary>
    public static bool IsValidProcedure(string uri) => UriValidator.IsValid(uri, UriCheckMode.Loose);
}

/// <summary>A static ticket principal. <see cref="Realm"/>, when set, is the realm the session joins (Crossbar assigns it).</summary>
public sealed record TicketPrincipal(string Ticket, string Role, string? Realm = null);

/// <summary>
/// A static WAMP-CRA user. As in Crossbar, <see cref="Secret"/> is the HMAC key itself: for a salted user it is the
/// derived key base64(PBKDF2-SHA256(password, salt, iterations, keylen)) (Autobahn's derive_key), and the salt
/// parameters are only sent to the client so it can derive the same key from its password.
/// </summary>
public sealed record WampCraUser(string Secret, string Role, string? Realm = null)
{
    public string? Salt { get; init; }
    public int Iterations { get; init; } = 1000; // Crossbar's and Autobahn's defaults
    public int KeyLength { get; init; } = 32;
}

/// <summary>
/// A WAMP-SCRAM principal (Crossbar's, as autobahn.wamp.auth.derive_scram_credential prints it): the router keeps
/// only StoredKey and ServerKey; kdf, iterations, memory and salt are sent to the client so it can derive them.
/// </summary>
public sealed record ScramPrincipal(string Kdf, int Iterations, int? Memory, byte[] Salt, byte[] StoredKey, byte[] ServerKey,
    string Role, string? Realm = null);

/// <summary>A TLS client-certificate principal: Crossbar's <c>certificate-sha1</c>, kept as uppercase hex without colons.</summary>
public sealed record TlsPrincipal(string CertificateSha1, string Role, string? Realm = null);

/// <summary>A static cryptosign principal: its Ed25519 public keys as lowercase hex (32 bytes each).</summary>
public sealed record CryptosignPrincipal(IReadOnlyList<string> AuthorizedKeys, string Role, string? Realm = null);
