using System.Diagnostics;
using PluginHost.Node.Config;
using PluginHost.Node.Workers;

namespace PluginHost.Node.Controller;

public enum OutputMode { Log, Drop, Close }

/// <summary>Everything needed to start one worker process once (a ProcessStartInfo is not reused: the spawner rewrites it).</summary>
public sealed record WorkerLaunch(ProcessStartInfo StartInfo, string Label, bool IsNative)
{
    public OutputMode Stdout { get; init; } = OutputMode.Log;
    public OutputMode Stderr { get; init; } = OutputMode.Log;
    public string? StdinText { get; init; }
    public bool CloseStdin { get; init; }

    /// <summary>
    /// A router or container: this same program with the hidden worker verb. Under <c>dotnet pluginhost.dll</c> the
    /// host is dotnet and the DLL comes first; under an apphost the executable is the program itself.
    /// </summary>
    /// <param name="quarantined">Components the worker must not start (<see cref="ComponentQuarantine"/>).</param>
    /// <param name="configSource">The node configuration the controller validated (NodeConfig.Source), handed to the
    /// worker on stdin; null: the worker reads the config file itself.</param>
    /// <param name="hold">Start it ahead of its turn (<see cref="WorkerProtocol.HoldOption"/>).</param>
    public static WorkerLaunch ForNative(NativeWorkerConfig worker, NodeControllerOptions options, IReadOnlyList<string>? quarantined = null,
        string? configSource = null, bool hold = false)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable is running");
        var psi = Piped(host, options.NodeDir);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") psi.ArgumentList.Add(typeof(WorkerLaunch).Assembly.Location);
        foreach (var a in (string[])[WorkerProtocol.VerbName, "--type", worker.Kind.ToLowerInvariant(), "--id", worker.Id,
                     "--cbdir", options.NodeDir, "--config", options.ConfigFile, "--loglevel", options.LogLevel])
            psi.ArgumentList.Add(a);
        // One token each, "--quarantine=ID": an id starting with '-' is still a value.
        foreach (var id in quarantined ?? []) psi.ArgumentList.Add($"{WorkerProtocol.QuarantineOption}={id}");
        if (configSource is not null) psi.ArgumentList.Add(WorkerProtocol.ConfigFromControllerOption);
        if (hold) psi.ArgumentList.Add(WorkerProtocol.HoldOption);
        ApplyEnvironment(psi, worker.Env);
        WorkerRuntimeSettings.ApplyTo(psi, worker);
        return new WorkerLaunch(psi, worker.Kind, IsNative: true)
        {
            StdinText = configSource is null ? null : $"{WorkerProtocol.Config} {configSource}",
        };
    }

    public static WorkerLaunch ForGuest(GuestWorkerConfig guest)
    {
        var psi = Piped(guest.ExecutablePath, guest.WorkDir);
        foreach (var a in guest.Arguments) psi.ArgumentList.Add(a);
        ApplyEnvironment(psi, guest.Env);
        // Crossbar sets PYTHONUNBUFFERED so guest log lines arrive as they are written (#314, #506).
        if (guest.Env.InheritAll || guest.Env.Vars.Count > 0) psi.Environment.TryAdd("PYTHONUNBUFFERED", "1");
        return new WorkerLaunch(psi, "Guest", IsNative: false)
        {
            Stdout = Map(guest.Stdout),
            Stderr = Map(guest.Stderr),
            StdinText = guest.Stdin.Json,
            CloseStdin = guest.Stdin.CloseAfter,
        };
    }

    private static ProcessStartInfo Piped(string fileName, string workDir) => new(fileName)
    {
        UseShellExecute = false,
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        WorkingDirectory = workDir,
    };

    private static void ApplyEnvironment(ProcessStartInfo psi, ProcessEnvironment env) => env.ApplyTo(psi.Environment);

    private static OutputMode Map(GuestOutput o) => o switch
    {
        GuestOutput.Drop => OutputMode.Drop,
        GuestOutput.Close => OutputMode.Close,
        _ => OutputMode.Log,
    };
}

/// <summary>Controller settings that come from the command line rather than config.json.</summary>
public sealed record NodeControllerOptions
{
    public required string NodeDir { get; init; }
    /// <summary>The config file workers read their own section from.</summary>
    public required string ConfigFile { get; init; }
    public string LogLevel { get; init; } = "info";
    /// <summary>How long a worker gets between TERM and KILL at shutdown or restart.</summary>
    public TimeSpan WorkerStopTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Keep the node's status in the node directory for <c>pluginhost status</c> (Node/Status/NodeStatusFile.cs).</summary>
    public bool KeepStatusFile { get; init; }
    /// <summary>How long a native worker may take to report ready (boot includes binding transports).</summary>
    public TimeSpan WorkerReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
