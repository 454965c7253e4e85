namespace PluginHost.Node.Config;

/// <summary>
/// Collects every error of one config so a single run reports them all. Parsers still throw
/// <see cref="ConfigException"/>; <see cref="Recover{T}"/> at an independent part (a worker, a transport, a realm,
/// a component, an optional key) records the error and goes on with the next part, and problems that do not stop
/// parsing (an unknown key) are <see cref="Report"/>ed directly.
///
/// STATE: one list per <see cref="Collect{T}"/> call, held in a thread-static field: parsing is synchronous and runs
/// on the caller's thread, and the getters deep inside (<see cref="ConfigValue"/>) have no context to carry it.
/// Outside Collect (nothing collecting) Report and Recover throw, as the parsers did before.
/// </summary>
internal static class ConfigErrors
{
    [ThreadStatic] private static List<ConfigException>? _current;

    /// <summary>Runs a whole parse; throws one <see cref="ConfigException"/> listing every error recorded meanwhile.</summary>
    public static T Collect<T>(Func<T> parse)
    {
        var outer = _current;
        var errors = _current = [];
        try
        {
            T result;
            try { result = parse(); }
            catch (ConfigException e) { errors.Add(e); result = default!; }
            if (errors.Count > 0) throw ConfigException.Combine(errors);
            return result;
        }
        finally
        {
            _current = outer;
        }
    }

    /// <summary>Errors recorded so far in this parse: lets a cross-check skip when a part it depends on already failed.</summary>
    public static int Count => _current?.Count ?? 0;

    public static void Report(ConfigException error)
    {
        if (_current is null) throw error;
        if (!_current.Any(e => e.Message == error.Message)) _current.Add(error);
    }

    /// <summary>The part's value, or <paramref name="fallback"/> after recording its error.</summary>
    public static T Recover<T>(Func<T> parse, T fallback)
    {
        if (_current is null) return parse();
        try { return parse(); }
        catch (ConfigException e)
        {
            Report(e);
            return fallback;
        }
    }

    /// <summary>Parses each element on its own; failed ones are left out (and recorded).</summary>
    public static List<T> Each<T>(IEnumerable<ConfigValue> values, Func<ConfigValue, T> parse) where T : class
        => values.Select(v => Recover(() => parse(v), null)).OfType<T>().ToList();
}
