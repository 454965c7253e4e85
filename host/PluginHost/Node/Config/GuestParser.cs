using System.Text.Json;

namespace PluginHost.Node.Config;

/// <summary>Guest workers: any executable, run with the configured arguments, environment and stdio.</summary>
internal static class GuestParser
{
    public static GuestWorkerConfig Parse(ConfigObject o, ParseContext ctx)
    {
        var id = ctx.IdOrDefault(o, "worker", checkPattern: false);
        var options = o.Object("options", "env", "workdir", "stdin", "stdout", "stderr", "watch", "restart_backoff");
        var workDir = Path.GetFullPath(Path.Combine(ctx.NodeDir, options?.String("workdir") ?? "."));
        var executable = o.RequiredString("executable");
        var path = ResolveExecutable(executable, workDir, Environment.GetEnvironmentVariable("PATH"))
                   ?? throw o.Required("executable").Error($"executable '{executable}' not found (looked in {workDir} and on PATH)");
        return new GuestWorkerConfig
        {
            Id = id,
            Executable = executable,
            ExecutablePath = path,
            Arguments = o.Strings("arguments"),
            WorkDir = workDir,
            Env = NativeOptionsParser.ParseEnv(options?.Object("env", "inherit", "vars")),
            RestartBackoff = NativeOptionsParser.ParseBackoff(options?.Object("restart_backoff", NativeOptionsParser.BackoffKeys)),
            Stdin = ParseStdin(options?.Get("stdin")),
            Stdout = ParseOutput(options?.Get("stdout")),
            Stderr = ParseOutput(options?.Get("stderr")),
            Watch = options?.Object("watch", "directories", "action", "timeout") is { } watch ? ParseWatch(watch, ctx) : null,
        };
    }

    /// <summary>Crossbar's lookup: <c>workdir/executable</c> if it is an executable file, else a PATH search.</summary>
    internal static string? ResolveExecutable(string executable, string workDir, string? pathVariable)
    {
        var local = Path.GetFullPath(executable, workDir);
        if (IsExecutableFile(local)) return local;
        if (executable.Contains('/')) return null;
        foreach (var dir in (pathVariable ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, executable);
            if (IsExecutableFile(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path)) return false;
        if (OperatingSystem.IsWindows()) return true;
        return (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }

    private static GuestStdin ParseStdin(ConfigValue? v)
    {
        if (v is not { } value) return GuestStdin.Close;
        if (value.Kind == JsonValueKind.String) { value.AsEnum("close"); return GuestStdin.Close; }
        var o = value.AsObject("type", "value", "close");
        o.Required("type").AsEnum("json");
        return new GuestStdin(o.Required("value").Element.GetRawText(), o.Bool("close", true));
    }

    private static GuestOutput ParseOutput(ConfigValue? v) => v?.AsEnum("log", "drop", "close") switch
    {
        "drop" => GuestOutput.Drop,
        "close" => GuestOutput.Close,
        _ => GuestOutput.Log,
    };

    private static GuestWatch ParseWatch(ConfigObject o, ParseContext ctx)
    {
        o.Required("action").AsEnum("restart");
        var dirs = o.Required("directories").AsArray().Select(d => Path.GetFullPath(Path.Combine(ctx.NodeDir, d.AsString()))).ToList();
        foreach (var (dir, at) in dirs.Zip(o.List("directories")))
            if (!Directory.Exists(dir)) throw at.Error($"directory not found: {dir}");
        return new GuestWatch(dirs, NativeOptionsParser.Seconds(o.Get("timeout")) ?? TimeSpan.FromSeconds(1));
    }
}
