namespace PluginHost.Wamp.Router;

/// <summary>
/// URI rules of basic/uris.md and advanced pattern-based subscription/registration:
/// components are separated by '.'; loose components are any non-empty strings without
/// whitespace, '.' or '#'; strict components match [0-9a-z_]+. Empty components are only
/// allowed in wildcard patterns (they stand for "any component").
/// Every CALL and PUBLISH is checked here, so it is one pass over the characters (no regex).
/// </summary>
internal static class UriValidator
{
    /// <summary>A concrete URI (PUBLISH topic, CALL procedure, exact SUBSCRIBE/REGISTER).</summary>
    public static bool IsValid(string uri, UriCheckMode mode) => Check(uri, mode, emptyComponents: false);

    /// <summary>
    /// One pass: every character belongs to a component (loose: no whitespace, '#'; strict: [0-9a-z_]) or is a
    /// separator; with <paramref name="emptyComponents"/> false no component may be empty ("a..b", ".a", "a.").
    /// </summary>
    private static bool Check(string uri, UriCheckMode mode, bool emptyComponents)
    {
        if (uri.Length == 0) return false;
        bool strict = mode == UriCheckMode.Strict;
        int componentLength = 0;
        foreach (char c in uri)
        {
            if (c == '.')
            {
                if (componentLength == 0 && !emptyComponents) return false;
                componentLength = 0;
                continue;
            }
            bool allowed = strict ? c is (>= '0' and <= '9') or (>= 'a' and <= 'z') or '_' : c != '#' && !char.IsWhiteSpace(c);
            if (!allowed) return false;
            componentLength++;
        }
        return componentLength > 0 || emptyComponents;
    }

    /// <summary>A URI used with a match policy (SUBSCRIBE / REGISTER options.match).</summary>
    public static bool IsValidPattern(string uri, UriMatch match, UriCheckMode mode)
    {
        switch (match)
        {
            case UriMatch.Exact:
                return IsValid(uri, mode);
            case UriMatch.Prefix:
                // A prefix may end in '.' ("com.myapp." matches "com.myapp.x" but not "com.myappx").
                var trimmed = uri.EndsWith('.') ? uri[..^1] : uri;
                return IsValid(trimmed, mode);
            case UriMatch.Wildcard:
                // Wildcard patterns: empty components allowed, but at least one separator or component.
                return Check(uri, mode, emptyComponents: true);
            default:
                return false;
        }
    }

    /// <summary>"wamp." is reserved for the router (basic/uris.md: reserved URIs); clients may not register or publish there.</summary>
    public static bool IsReserved(string uri) => uri.StartsWith("wamp.", StringComparison.Ordinal);
}

/// <summary>Pattern matching shared by the broker, the dealer and the authorizer.</summary>
internal static class UriMatcher
{
    /// <summary>Prefix matching is on the URI string (advanced pattern-based registration: "com.myapp.myobject1" matches "com.myapp.myobject1-mysubobject1").</summary>
    public static bool PrefixMatches(string prefix, string uri) => uri.StartsWith(prefix, StringComparison.Ordinal);

    /// <summary>Wildcard matching: same number of components; an empty pattern component matches any component.</summary>
    public static bool WildcardMatches(string pattern, string uri)
    {
        var p = pattern.AsSpan();
        var u = uri.AsSpan();
        while (true)
        {
            int pi = p.IndexOf('.');
            int ui = u.IndexOf('.');
            var pc = pi < 0 ? p : p[..pi];
            var uc = ui < 0 ? u : u[..ui];
            if (pc.Length > 0 && !pc.SequenceEqual(uc)) return false;
            if (pi < 0 || ui < 0) return pi < 0 && ui < 0;
            p = p[(pi + 1)..];
            u = u[(ui + 1)..];
        }
    }

    /// <summary>
    /// Wildcard precedence (advanced pattern-based registration, "Calls matching multiple registrations"):
    /// the pattern with the longer run of non-empty components before the first wildcard wins, then the
    /// next run, and so on. Returns &gt;0 when <paramref name="a"/> is more specific than <paramref name="b"/>.
    /// </summary>
    public static int CompareWildcardSpecificity(string a, string b)
    {
        var ra = Runs(a);
        var rb = Runs(b);
        for (int i = 0; i < Math.Min(ra.Count, rb.Count); i++)
        {
            if (ra[i] != rb[i]) return ra[i].CompareTo(rb[i]);
        }
        return ra.Count.CompareTo(rb.Count);
    }

    private static List<int> Runs(string pattern)
    {
        var runs = new List<int>();
        int run = 0;
        foreach (var component in pattern.Split('.'))
        {
            if (component.Length == 0) { runs.Add(run); run = 0; }
            else run++;
        }
        runs.Add(run);
        return runs;
    }
}
