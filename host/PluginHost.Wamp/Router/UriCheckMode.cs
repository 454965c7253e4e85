namespace PluginHost.Wamp.Router;

/// <summary>How a realm checks URIs (Crossbar realm option <c>uri_check</c>).</summary>
public enum UriCheckMode
{
    /// <summary>Components may be any non-empty strings without whitespace, '#' or empty components except for patterns.</summary>
    Loose,
    /// <summary>Components match [0-9a-z_]+ (basic/uris.md strict rule).</summary>
    Strict,
}
