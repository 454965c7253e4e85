using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace PluginHost.Wamp.Router.Store;

/// <summary>
/// A WebSocket transport's cookie tracking (Crossbar's websocket <c>cookie</c>): <c>{name, length, max_age, store: {type:
/// memory | file{filename, purge_on_startup} | database{path}}, secure, http_strict, same_site}</c>. The persistent store types
/// are served by a SQLite file (Store/RealmStore.cs, table cookies).
/// </summary>
public sealed record CookieConfig
{
    public string Name { get; init; } = "cbtid";
    /// <summary>Characters of the random cookie value (Crossbar: 6..64, default 24).</summary>
    public int Length { get; init; } = 24;
    /// <summary>Lifetime: the cookie's Max-Age and when the router forgets it (Crossbar's default: 1 day).</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(1);
    /// <summary>The SQLite file keeping cookies across restarts; null: in memory only.</summary>
    public string? StorePath { get; init; }
    /// <summary>Forget every stored cookie at startup (Crossbar's file store option).</summary>
    public bool PurgeOnStartup { get; init; }
    public bool Secure { get; init; }
    /// <summary>Crossbar's http_strict: HttpOnly (scripts cannot read the cookie).</summary>
    public bool HttpStrict { get; init; } = true;
    /// <summary>Strict, Lax or None; null: not sent.</summary>
    public string? SameSite { get; init; }
}

/// <summary>
/// The cookies of one transport. Thread-safe: read and written by WebSocket upgrades and authentication handshakes (never by a
/// realm loop). Memory (a concurrent dictionary) is the read model; with a store file every change is written behind by the
/// file's writer (Store/RealmStore.cs). A cookie is only ever an identification of a browser: it authenticates a session
/// (authmethod "cookie") once a session on a connection carrying it authenticated by another method, until it expires or
/// is revoked (GOODBYE wamp.close.logout from a session it authenticated or was authenticated on, as in Crossbar).
/// </summary>
public sealed class CookieStore : IAsyncDisposable
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private readonly ConcurrentDictionary<string, CookieRecord> _cookies = new(StringComparer.Ordinal);
    private readonly RealmStore? _file;
    private readonly TimeProvider _time;

    public CookieConfig Config { get; }

    public CookieStore(CookieConfig config, ILogger log, TimeProvider? time = null)
    {
        Config = config;
        _time = time ?? TimeProvider.System;
        if (config.StorePath is null) return;
        _file = RealmStore.Open(config.StorePath, log);
        var now = Now;
        foreach (var c in _file.LoadCookies(now))
        {
            if (config.PurgeOnStartup) _file.Enqueue(new CookieDelete(c.Id));
            else _cookies[c.Id] = c;
        }
    }

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    public int Count => _cookies.Count;

    /// <summary>The unexpired cookie with this value, or null (unknown, expired: then forgotten).</summary>
    public CookieRecord? Find(string? id)
    {
        if (id is null || !_cookies.TryGetValue(id, out var c)) return null;
        if (c.Expires > Now) return c;
        if (_cookies.TryRemove(new KeyValuePair<string, CookieRecord>(id, c))) _file?.Enqueue(new CookieDelete(id));
        return null;
    }

    /// <summary>A new, unauthenticated cookie.</summary>
    public CookieRecord Create()
    {
        var now = Now;
        var c = new CookieRecord(RandomNumberGenerator.GetString(Alphabet, Config.Length), now, now + Config.MaxAge);
        Put(c);
        return c;
    }

    /// <summary>
    /// A session on a connection with this cookie authenticated (not by cookie): the cookie now stands for it. Completes once
    /// that is durable (committed to the store file, at once for the memory store), so the handshake welcomes only afterwards.
    /// </summary>
    public Task Authenticated(string id, string authId, string authRole, string authMethod, string authRealm)
    {
        if (Find(id) is not { } c) return Task.CompletedTask;
        Put(c with { AuthId = authId, AuthRole = authRole, AuthMethod = authMethod, AuthRealm = authRealm });
        if (_file is null) return Task.CompletedTask;
        var committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _file.Enqueue(new Completion(() => committed.TrySetResult()));
        return committed.Task;
    }

    /// <summary>Revokes the cookie's authentication (the browser keeps its cookie, which no longer authenticates).</summary>
    public void Revoke(string id)
    {
        if (Find(id) is { } c) Put(c with { AuthId = null, AuthRole = null, AuthMethod = null, AuthRealm = null });
    }

    /// <summary>The Set-Cookie header value for a new cookie.</summary>
    public string SetCookieHeader(CookieRecord c)
    {
        var header = $"{Config.Name}={c.Id}; Max-Age={(long)Config.MaxAge.TotalSeconds}; Path=/";
        if (Config.HttpStrict) header += "; HttpOnly";
        if (Config.Secure) header += "; Secure";
        if (Config.SameSite is { } sameSite) header += $"; SameSite={sameSite}";
        return header;
    }

    private void Put(CookieRecord c)
    {
        _cookies[c.Id] = c;
        _file?.Enqueue(new CookieWrite(c));
    }

    public async ValueTask DisposeAsync()
    {
        if (_file is not null) await _file.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The cookie a connection carried (or was given in its upgrade response): handed to authentication per connection.</summary>
public sealed class ConnectionCookie(CookieStore store, string id)
{
    public CookieStore Store { get; } = store;
    public string Id { get; } = id;
    /// <summary>The cookie's authentication now, if it has one and has not expired.</summary>
    public CookieRecord? Authenticated => Store.Find(Id) is { IsAuthenticated: true } c ? c : null;
}
