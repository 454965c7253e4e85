namespace PluginHost.Wamp.Router;

/// <summary>How a permission's (or subscription's / registration's) URI matches.</summary>
public enum MatchPolicy
{
    Exact,
    Prefix,
    Wildcard,
}
