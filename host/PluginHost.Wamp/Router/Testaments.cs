using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>A testament: a publication the router makes for a session when it ends.</summary>
internal sealed record Testament(string Topic, IReadOnlyList<object?>? Arguments, IReadOnlyDictionary<string, object?>? ArgumentsKw,
    IReadOnlyDictionary<string, object?> Options);

/// <summary>A session's testaments in the spec's two buckets, each in the order added. Loop-owned.</summary>
internal sealed class SessionTestaments
{
    public List<Testament> Detached { get; } = new();
    public List<Testament> Destroyed { get; } = new();

    public List<Testament> For(string scope) => scope == Testaments.ScopeDetached ? Detached : Destroyed;
}

/// <summary>
/// Testament meta API (advanced/pubsub_testament.md, dealer feature testament_meta_api): the procedures
/// wamp.session.add_testament and wamp.session.flush_testaments, and publishing a session's testaments
/// when it ends. Part of the meta API (MetaApi.cs); runs only on the realm loop.
///
/// Scopes: this router has no session resumption, so a session is detached and destroyed at the same
/// moment: when it leaves (GOODBYE, ABORT, meta kill, transport loss). The spec requires both buckets
/// anyway (so that flush_testaments works per scope) and, without resumption, the "detached" testaments
/// to be published before the "destroyed" ones. Crossbar does the same (it publishes both buckets on
/// leave, detached first). Testaments are not published when the router shuts down (nobody is left to
/// receive them).
///
/// A testament is published as a PUBLISH of the leaving session: with its authrole's authorization and
/// publisher disclosure, after the session's own subscriptions are gone. As in Crossbar, the options
/// acknowledge and exclude_me are dropped from publish_options. Argument errors are reported at
/// add_testament time: wamp.error.invalid_argument (malformed arguments or options, unknown scope),
/// wamp.error.invalid_uri (topic), wamp.error.not_authorized (the role may not publish there).
/// add_testament and flush_testaments return no value, as the spec says.
/// </summary>
internal sealed class Testaments(Realm realm)
{
    // Each session's testaments, by session id, created on its first add_testament. Loop-owned.
    private readonly Dictionary<long, SessionTestaments> _bySession = new();

    internal const string ScopeDetached = "detached", ScopeDestroyed = "destroyed";
    /// <summary>Bound per session and scope, so a client cannot grow router memory without limit.</summary>
    internal const int MaxPerScope = 256;

    /// <summary>wamp.session.add_testament(topic|uri, args|list, kwargs|dict, publish_options|dict, scope|string); the last two usually as keywords.</summary>
    public IReadOnlyList<object?> Add(RouterSession caller, CallMessage c)
    {
        var args = c.Arguments ?? [];
        if (args.Count is 0 or > 5)
            throw new MetaApi.MetaError(WampErrors.InvalidArgument, "wamp.session.add_testament expects (topic, args, kwargs[, publish_options, scope])");
        if (args[0] is not string topic)
            throw new MetaApi.MetaError(WampErrors.InvalidArgument, "topic|uri must be a string");
        var eventArgs = args.Count > 1 ? args[1] : null;
        if (eventArgs is not (null or IReadOnlyList<object?>))
            throw new MetaApi.MetaError(WampErrors.InvalidArgument, "args must be a list");
        var eventKwargs = args.Count > 2 ? args[2] : null;
        if (eventKwargs is not (null or IReadOnlyDictionary<string, object?>))
            throw new MetaApi.MetaError(WampErrors.InvalidArgument, "kwargs must be a dict");
        var publishOptions = Keyword(c, "publish_options", 3);
        if (publishOptions is not (null or IReadOnlyDictionary<string, object?>))
            throw new MetaApi.MetaError(WampErrors.InvalidArgument, "publish_options must be a dict");
        var scope = Scope(Keyword(c, "scope", 4));

        if (!UriValidator.IsValid(topic, realm.Config.UriCheck) || UriValidator.IsReserved(topic))
            throw new MetaApi.MetaError(WampErrors.InvalidUri, $"invalid testament topic URI '{topic}'");
        var options = new Dictionary<string, object?>();
        if (publishOptions is IReadOnlyDictionary<string, object?> given)
        {
            foreach (var (key, value) in given)
            {
                if (key is not ("acknowledge" or "exclude_me")) options[key] = value;
            }
        }
        if (!PptOptions.TryParse(options, out var ppt, out var pptError)) throw new MetaApi.MetaError(WampErrors.InvalidArgument, pptError);
        if (ppt is not null && !caller.PublisherPayloadPassthru)
            throw new MetaApi.MetaError(WampErrors.InvalidArgument, "publish_options use payload passthru mode, but the session did not announce payload_passthru_mode");
        if (options.TryGetValue("retain", out var retain) && retain is not (null or bool))
            throw new MetaApi.MetaError(WampErrors.InvalidArgument, "publish_options.retain must be a boolean");
        if (!realm.Authorize(caller, WampAction.Publish, topic).Allowed)
            throw new MetaApi.MetaError(WampErrors.NotAuthorized, $"session is not authorized to publish to topic '{topic}'");

        if (!_bySession.TryGetValue(caller.Id, out var mine)) _bySession[caller.Id] = mine = new SessionTestaments();
        var bucket = mine.For(scope);
        if (bucket.Count >= MaxPerScope)
            throw new MetaApi.MetaError(WampErrors.InvalidArgument, $"at most {MaxPerScope} testaments per scope");
        bucket.Add(new Testament(topic, (IReadOnlyList<object?>?)eventArgs, (IReadOnlyDictionary<string, object?>?)eventKwargs, options));
        return [];
    }

    /// <summary>wamp.session.flush_testaments(scope|string = "destroyed"): removes the caller's testaments of that scope.</summary>
    public IReadOnlyList<object?> Flush(RouterSession caller, CallMessage c)
    {
        if (c.Arguments is { Count: > 1 })
            throw new MetaApi.MetaError(WampErrors.InvalidArgument, "wamp.session.flush_testaments expects at most a scope");
        var scope = Scope(Keyword(c, "scope", 0));
        _bySession.GetValueOrDefault(caller.Id)?.For(scope).Clear();
        return [];
    }

    /// <summary>The session is ending: publish its testaments, "detached" before "destroyed", each bucket in order.</summary>
    public void PublishOnLeave(RouterSession session)
    {
        if (!_bySession.Remove(session.Id, out var testaments)) return;
        foreach (var t in testaments.Detached.Concat(testaments.Destroyed))
        {
            var error = realm.Broker.Route(session, t.Topic, t.Options, t.Arguments, t.ArgumentsKw, out _);
            if (error is { } e) realm.Log.TestamentNotPublished(session.Id, t.Topic, e.Message);
        }
    }

    private static string Scope(object? value) => value switch
    {
        null => ScopeDestroyed, // "Default MUST be destroyed"
        ScopeDetached or ScopeDestroyed => (string)value,
        _ => throw new MetaApi.MetaError(WampErrors.InvalidArgument, $"scope must be \"{ScopeDestroyed}\" or \"{ScopeDetached}\", not '{value}'"),
    };

    /// <summary>A keyword argument, or the same parameter given positionally (as Python callers may).</summary>
    private static object? Keyword(CallMessage c, string name, int position)
    {
        if (c.ArgumentsKw is { } kw && kw.TryGetValue(name, out var v)) return v;
        return c.Arguments is { } args && args.Count > position ? args[position] : null;
    }
}
