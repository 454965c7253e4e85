namespace PluginHost.Wamp.Messages;

/// <summary>
/// The wire names of the WAMP option vocabulary (PluginHost.Abstractions: <see cref="UriMatch"/>,
/// <see cref="InvokePolicy"/>, <see cref="CancelMode"/>): the client writes them, the router reads them here, once,
/// at the message boundary, and works with the enums after.
/// </summary>
public static class WampOptionNames
{
    /// <summary>REGISTER/SUBSCRIBE.Options.match: "exact", "prefix", "wildcard".</summary>
    public static string Of(UriMatch match) => match switch
    {
        UriMatch.Prefix => "prefix",
        UriMatch.Wildcard => "wildcard",
        _ => "exact",
    };

    /// <summary>REGISTER.Options.invoke: "single", "roundrobin", "random", "first", "last".</summary>
    public static string Of(InvokePolicy policy) => policy switch
    {
        InvokePolicy.RoundRobin => "roundrobin",
        InvokePolicy.Random => "random",
        InvokePolicy.First => "first",
        InvokePolicy.Last => "last",
        _ => "single",
    };

    /// <summary>CANCEL.Options.mode (and INTERRUPT.Options.mode): "skip", "kill", "killnowait".</summary>
    public static string Of(CancelMode mode) => mode switch
    {
        CancelMode.Skip => "skip",
        CancelMode.Kill => "kill",
        _ => "killnowait",
    };

    /// <summary>Options.match; absent or null is exact (basic profile). False for any other value.</summary>
    public static bool TryParseMatch(IReadOnlyDictionary<string, object?> options, out UriMatch match)
    {
        match = UriMatch.Exact;
        if (!options.TryGetValue("match", out var v) || v is null) return true;
        return TryParse(v as string, out match);
    }

    /// <summary>One wire name of a match policy.</summary>
    public static bool TryParse(string? name, out UriMatch match)
    {
        (bool ok, match) = name switch
        {
            "exact" => (true, UriMatch.Exact),
            "prefix" => (true, UriMatch.Prefix),
            "wildcard" => (true, UriMatch.Wildcard),
            _ => (false, UriMatch.Exact),
        };
        return ok;
    }

    /// <summary>Options.invoke; absent is single (shared registration). False for any other value.</summary>
    public static bool TryParseInvoke(IReadOnlyDictionary<string, object?> options, out InvokePolicy policy)
    {
        policy = InvokePolicy.Single;
        if (!options.TryGetValue("invoke", out var v) || v is null) return true;
        (bool ok, policy) = (v as string) switch
        {
            "single" => (true, InvokePolicy.Single),
            "roundrobin" => (true, InvokePolicy.RoundRobin),
            "random" => (true, InvokePolicy.Random),
            "first" => (true, InvokePolicy.First),
            "last" => (true, InvokePolicy.Last),
            _ => (false, InvokePolicy.Single),
        };
        return ok;
    }

    /// <summary>CANCEL.Options.mode; absent is <paramref name="fallback"/>. False for any other value.</summary>
    public static bool TryParseCancel(IReadOnlyDictionary<string, object?> options, CancelMode fallback, out CancelMode mode)
    {
        mode = fallback;
        if (!options.TryGetValue("mode", out var v) || v is null) return true;
        (bool ok, mode) = (v as string) switch
        {
            "skip" => (true, CancelMode.Skip),
            "kill" => (true, CancelMode.Kill),
            "killnowait" => (true, CancelMode.KillNoWait),
            _ => (false, fallback),
        };
        return ok;
    }
}
