using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

// bench/cluster.sh: the same RPC and pub/sub traffic with both ends on one node, then with its two ends on two nodes of a
// cluster, in one run. Router CPU is read from /proc for both router worker processes and summed.
var opts = Options.Parse(args);
var root = opts.Root;
await using var nats = await Proc.StartAsync("nats-server", ["-a", "127.0.0.1", "-p", "-1", "-js", "-sd", Directory.CreateTempSubdirectory("bench-nats-").FullName],
    @"Listening for client connections on 127\.0\.0\.1:(\d+)", root);
var natsUrl = $"nats://127.0.0.1:{nats.Match.Groups[1].Value}";
await using var a = await Node.StartAsync(root, natsUrl, "a");
await using var b = await Node.StartAsync(root, natsUrl, "b");
Console.Error.WriteLine($"nats {natsUrl}; node a {a.Url} (router pid {a.RouterPid}); node b {b.Url} (router pid {b.RouterPid})");

var rows = new List<Row>();
foreach (var (name, calleeNode) in new[] { ("rpc, one node", a), ("rpc, across nodes", b) })
    rows.Add(await Rpc.RunAsync(name, a, calleeNode, [a, b], opts));
foreach (var (name, subscriberNode) in new[] { ("pub/sub, one node", a), ("pub/sub, across nodes", b) })
    rows.Add(await PubSub.RunAsync(name, a, subscriberNode, [a, b], opts));

Console.WriteLine($"| scenario | ops/s | router CPU µs per op (both nodes) | p50 µs | p99 µs |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
foreach (var r in rows)
    Console.WriteLine(FormattableString.Invariant($"| {r.Name} | {r.PerSecond:N0} | {r.CpuMicros:0.0} | {r.P50:0} | {r.P99:0} |"));
Console.WriteLine();
Console.WriteLine(FormattableString.Invariant($"cross-node / one node: RPC CPU per call {rows[1].CpuMicros / rows[0].CpuMicros:0.00}×, added p50 {rows[1].P50 - rows[0].P50:0} µs; pub/sub CPU per event {rows[3].CpuMicros / rows[2].CpuMicros:0.00}×, added p50 {rows[3].P50 - rows[2].P50:0} µs"));

internal sealed record Row(string Name, double PerSecond, double CpuMicros, double P50, double P99);

internal sealed record Options(string Root, TimeSpan Duration, int Callers, int InFlight)
{
    public static Options Parse(string[] args)
    {
        string Arg(string name, string fallback) => Array.IndexOf(args, "--" + name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        return new Options(Arg("root", Directory.GetCurrentDirectory()), TimeSpan.FromSeconds(double.Parse(Arg("seconds", "5"), CultureInfo.InvariantCulture)),
            int.Parse(Arg("callers", "4"), CultureInfo.InvariantCulture), int.Parse(Arg("inflight", "16"), CultureInfo.InvariantCulture));
    }
}

/// <summary>A child process, ready when a line matches; killed with its tree on dispose.</summary>
internal sealed class Proc : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Found)> _waits = new();
    private Proc(Process process) => _process = process;
    public Match Match { get; private set; } = Match.Empty;

    /// <summary>The lines of <c>later</c> given to StartAsync, in that order: waited for from the start, so none is missed.</summary>
    public IReadOnlyList<Task<Match>> Later { get; private set; } = [];

    public static async Task<Proc> StartAsync(string file, IEnumerable<string> arguments, string ready, string cwd, params string[] later)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
        foreach (var arg in arguments) psi.ArgumentList.Add(arg);
        var p = new Proc(new Process { StartInfo = psi });
        var first = p.WaitFor(ready);
        p.Later = later.Select(p.WaitFor).ToArray();
        p._process.OutputDataReceived += (_, e) => p.OnLine(e.Data);
        p._process.ErrorDataReceived += (_, e) => p.OnLine(e.Data);
        p._process.Start();
        p._process.BeginOutputReadLine();
        p._process.BeginErrorReadLine();
        p.Match = await first.WaitAsync(TimeSpan.FromMinutes(3));
        return p;
    }

    public Task<Match> WaitFor(string pattern)
    {
        var tcs = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waits) _waits.Add((new Regex(pattern), tcs));
        return tcs.Task;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_waits)
            foreach (var (pattern, found) in _waits)
                if (pattern.Match(line) is { Success: true } m) found.TrySetResult(m);
    }

    public int Pid => _process.Id;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await _process.WaitForExitAsync(limit.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
        }
        _process.Dispose();
    }
}

/// <summary>A `pluginhost start` node: one router worker with realm1 open, a web transport on a free port, in the cluster.</summary>
internal sealed class Node : IAsyncDisposable
{
    private Proc _proc = null!;
    private string _dir = "";
    public string Url { get; private set; } = "";
    public int RouterPid { get; private set; }

    public static async Task<Node> StartAsync(string root, string natsUrl, string name)
    {
        var node = new Node { _dir = Directory.CreateTempSubdirectory($"bench-node-{name}-").FullName };
        File.WriteAllText(Path.Combine(node._dir, "config.json"), """
        {"version": 2, "workers": [{"type": "router",
          "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix",
             "allow": {"call": true, "register": true, "publish": true, "subscribe": true}}]}]}],
          "transports": [{"id": "web", "type": "web", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"},
             "paths": {"ws": {"type": "websocket", "serializers": ["msgpack"]}}}],
          "cluster": {"nats": "NATS_URL", "node": "NODE_NAME", "name": "bench"}}]}
        """.Replace("NATS_URL", natsUrl, StringComparison.Ordinal).Replace("NODE_NAME", name, StringComparison.Ordinal));
        node._proc = await Proc.StartAsync(Path.Combine(root, "pluginhost"), ["start", "--cbdir", node._dir, "--loglevel", "info"],
            @"transport 'web' started \(web, tcp port (\d+)\)", root,
            @"Router with ID 'worker001' and PID (\d+) started", "realm 'realm1' is shared over the cluster");
        node.Url = $"ws://127.0.0.1:{node._proc.Match.Groups[1].Value}/ws";
        // Waited for since the start: these lines may come before the transport's.
        node.RouterPid = int.Parse((await node._proc.Later[0].WaitAsync(TimeSpan.FromMinutes(3))).Groups[1].Value, CultureInfo.InvariantCulture);
        await node._proc.Later[1].WaitAsync(TimeSpan.FromMinutes(3));
        return node;
    }

    public async Task<WampSession> JoinAsync()
    {
        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri(Url), [WampSerializers.MsgPack]);
        return await WampSession.JoinAsync(connection, "realm1");
    }

    /// <summary>The router worker's CPU time so far (utime + stime from /proc, clock ticks of 10 ms).</summary>
    public TimeSpan Cpu()
    {
        var stat = File.ReadAllText($"/proc/{RouterPid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    public async ValueTask DisposeAsync()
    {
        await _proc.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

internal static class Measure
{
    public static TimeSpan Cpu(IEnumerable<Node> nodes) => nodes.Aggregate(TimeSpan.Zero, (sum, n) => sum + n.Cpu());

    /// <summary>One second of warm-up, then the measured window (timed windows of a benchmark, not synchronisation):
    /// its length and the routers' CPU time in it.</summary>
    public static async Task<(TimeSpan Elapsed, TimeSpan Cpu)> WindowAsync(Node[] nodes, TimeSpan duration, Action<bool> measuring)
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        var cpu0 = Cpu(nodes);
        var clock = Stopwatch.StartNew();
        measuring(true);
        await Task.Delay(duration);
        measuring(false);
        return (clock.Elapsed, Cpu(nodes) - cpu0);
    }

    public static (double P50, double P99) Percentiles(List<double> micros)
    {
        micros.Sort();
        return micros.Count == 0 ? (0, 0) : (micros[micros.Count / 2], micros[Math.Min(micros.Count - 1, (int)(micros.Count * 0.99))]);
    }
}

internal static class Rpc
{
    public static async Task<Row> RunAsync(string name, Node callerNode, Node calleeNode, Node[] all, Options o)
    {
        await using var callee = await calleeNode.JoinAsync();
        var procedure = "bench.echo." + Guid.NewGuid().ToString("N")[..8];
        await using var reg = await callee.RegisterAsync(procedure, (inv, _) => ValueTask.FromResult<WampResult?>(new WampResult(inv.Args)));
        var callers = new List<WampSession>();
        for (int i = 0; i < o.Callers; i++) callers.Add(await callerNode.JoinAsync());
        long done = 0;
        var latencies = new List<double>();
        bool measuring = false;
        using var stop = new CancellationTokenSource();
        async Task Loop(WampSession s)
        {
            object?[] payload = ["x", 42L];
            while (!stop.IsCancellationRequested)
            {
                var t = Stopwatch.GetTimestamp();
                await s.CallAsync(procedure, payload);
                if (!Volatile.Read(ref measuring)) continue;
                Interlocked.Increment(ref done);
                var us = Stopwatch.GetElapsedTime(t).TotalMicroseconds;
                lock (latencies) latencies.Add(us);
            }
        }
        var loops = callers.SelectMany(s => Enumerable.Range(0, o.InFlight).Select(_ => Task.Run(() => Loop(s)))).ToList();
        var (elapsed, cpu) = await Measure.WindowAsync(all, o.Duration, on => Volatile.Write(ref measuring, on));
        stop.Cancel();
        await Task.WhenAll(loops);
        foreach (var s in callers) await s.DisposeAsync();
        var (p50, p99) = Measure.Percentiles(latencies);
        return new Row(name, done / elapsed.TotalSeconds, cpu.TotalMicroseconds / done, p50, p99);
    }
}

internal static class PubSub
{
    private const int Window = 64;

    public static async Task<Row> RunAsync(string name, Node publisherNode, Node subscriberNode, Node[] all, Options o)
    {
        await using var subscriber = await subscriberNode.JoinAsync();
        await using var publisher = await publisherNode.JoinAsync();
        var topic = "bench.tick." + Guid.NewGuid().ToString("N")[..8];
        var window = new SemaphoreSlim(Window);
        long received = 0;
        bool measuring = false;
        var latencies = new List<double>();
        await using var sub = await subscriber.SubscribeAsync(topic, e =>
        {
            var sent = (long)e.Args[0]!;
            if (Volatile.Read(ref measuring))
            {
                Interlocked.Increment(ref received);
                lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMicroseconds);
            }
            window.Release();
            return ValueTask.CompletedTask;
        });
        // A node of the cluster knows of the subscription at once (publications go to every node); one acknowledged
        // publication first makes sure the path is warm.
        await publisher.PublishAsync(topic, [Stopwatch.GetTimestamp()], null, new PublishOptions { Acknowledge = true });
        using var stop = new CancellationTokenSource();
        var pump = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (!await window.WaitAsync(TimeSpan.FromSeconds(5))) break;
                await publisher.PublishAsync(topic, [Stopwatch.GetTimestamp()]);
            }
        });
        var (elapsed, cpu) = await Measure.WindowAsync(all, o.Duration, on => Volatile.Write(ref measuring, on));
        stop.Cancel();
        await pump;
        var (p50, p99) = Measure.Percentiles(latencies);
        return new Row(name, received / elapsed.TotalSeconds, cpu.TotalMicroseconds / Math.Max(1, received), p50, p99);
    }
}
