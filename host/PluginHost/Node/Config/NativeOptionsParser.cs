using System.Text.Json;

namespace PluginHost.Node.Config;

/// <summary>Crossbar's native worker options (router and container <c>options</c>), plus PluginHost's <c>restart_backoff</c>.</summary>
internal static class NativeOptionsParser
{
    public static readonly string[] Keys =
        ["title", "python", "pythonpath", "cpu_affinity", "env", "extra", "expose_controller", "expose_shared", "disabled", "restart_backoff", "discover"];

    public sealed record Parsed(bool Disabled, string? Title, IReadOnlyList<int> CpuAffinity, IReadOnlyList<string> PluginDirs,
        ProcessEnvironment Env, RestartBackoff Backoff)
    {
        public T Apply<T>(T worker) where T : NativeWorkerConfig => worker with
        {
            Disabled = Disabled, Title = Title, CpuAffinity = CpuAffinity, PluginDirs = PluginDirs, Env = Env, RestartBackoff = Backoff,
        };
    }

    public static Parsed Parse(ConfigObject? o, ParseContext ctx)
    {
        if (o is null) return new Parsed(false, null, [], [], ProcessEnvironment.Inherited, new RestartBackoff());
        if (o.Has("python")) { o.String("python"); ctx.Warn(o.Self.Child("python").Path, "workers run on .NET, not Python; ignored"); }
        foreach (var key in new[] { "expose_controller", "expose_shared" }) o.Bool(key, false);
        return new Parsed(
            ParseDisabled(o, ctx),
            o.String("title"),
            o.List("cpu_affinity").Select(cpu => cpu.AsInt(0, 1023)).ToList(),
            o.Strings("pythonpath").Select(p => Path.GetFullPath(Path.Combine(ctx.NodeDir, p))).ToList(),
            ParseEnv(o.Object("env", "inherit", "vars")),
            ParseBackoff(o.Object("restart_backoff", BackoffKeys)));
    }

    /// <summary><c>{inherit: bool | [names] (default true), vars: {name: string}}</c>.</summary>
    public static ProcessEnvironment ParseEnv(ConfigObject? env)
    {
        if (env is null) return ProcessEnvironment.Inherited;
        var inheritAll = true;
        IReadOnlyList<string> names = [];
        if (env.Get("inherit") is { } inherit)
        {
            if (inherit.Kind == JsonValueKind.Array) { inheritAll = false; names = inherit.AsArray().Select(n => n.AsString()).ToList(); }
            else if (inherit.Kind is JsonValueKind.True or JsonValueKind.False) inheritAll = inherit.AsBool();
            else throw inherit.Expected("a boolean or a list of variable names");
        }
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        if (env.Get("vars") is { } v)
        {
            if (v.Kind != JsonValueKind.Object) throw v.Expected("an object");
            foreach (var p in v.Element.EnumerateObject()) vars[p.Name] = (v.Child(p.Name) with { Element = p.Value }).AsString();
        }
        return new ProcessEnvironment(inheritAll, names, vars);
    }

    public static readonly string[] BackoffKeys = ["initial_delay", "max_delay", "max_restarts", "reset_after"];

    /// <summary>Seconds as numbers; max_delay must not undercut initial_delay; reset_after defaults to max_delay.</summary>
    public static RestartBackoff ParseBackoff(ConfigObject? o)
    {
        var defaults = new RestartBackoff();
        if (o is null) return defaults;
        var initial = Seconds(o.Get("initial_delay")) ?? defaults.InitialDelay;
        var max = Seconds(o.Get("max_delay")) ?? (initial > defaults.MaxDelay ? initial : defaults.MaxDelay);
        if (max < initial) throw o.Required("max_delay").Error($"must be at least initial_delay ({initial.TotalSeconds} s)");
        var backoff = new RestartBackoff { InitialDelay = initial, MaxDelay = max, MaxRestarts = o.Int("max_restarts", defaults.MaxRestarts, 0, 1_000_000) };
        return Seconds(o.Get("reset_after")) is { } reset ? backoff with { ResetAfter = reset } : backoff;
    }

    internal static TimeSpan? Seconds(ConfigValue? v)
    {
        if (v is not { } value) return null;
        if (value.Kind != JsonValueKind.Number || !value.Element.TryGetDouble(out var s) || s < 0 || s > 86400)
            throw value.Expected("a number of seconds 0..86400");
        return TimeSpan.FromSeconds(s);
    }

    /// <summary><c>disabled</c>: a bool, or "${VAR}" where any non-empty value means true.</summary>
    private static bool ParseDisabled(ConfigObject o, ParseContext ctx)
    {
        if (o.Get("disabled") is not { } d) return false;
        if (d.Kind != JsonValueKind.String) return d.AsBool();
        var s = d.AsString();
        if (!(s.StartsWith("${") && s.EndsWith('}'))) throw d.Expected("a boolean or \"${VAR}\"");
        return !string.IsNullOrEmpty(ctx.Env(s[2..^1]));
    }
}
