using System.Diagnostics;

namespace PluginHost.Tests.Support;

/// <summary>
/// A real nats-server (Debian's package) with JetStream, on a port it picks itself (-p -1) and reports: started by the
/// test, ready once it says so, killed (and restartable on the same port) by the test.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    public const string Executable = "nats-server";
    private readonly string _storeDir = Directory.CreateTempSubdirectory("pluginhost-nats-").FullName;
    private BackgroundProcess? _process;

    private NatsServer() { }

    public int Port { get; private set; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public static async Task<NatsServer> StartAsync()
    {
        var server = new NatsServer();
        await server.RunAsync(-1);
        return server;
    }

    private async Task RunAsync(int port)
    {
        _process = await BackgroundProcess.StartAsync(Executable,
            ["-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-js", "-sd", _storeDir],
            @"Listening for client connections on 127\.0\.0\.1:(\d+)", TimeSpan.FromSeconds(30));
        Port = int.Parse(_process.Ready.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await _process.WaitForOutputAsync("Server is ready");
    }

    /// <summary>kill -9: no goodbye to anybody.</summary>
    public async Task KillAsync()
    {
        if (_process is null) return;
        await _process.DisposeAsync();
        _process = null;
    }

    /// <summary>Starts it again on the same port (after <see cref="KillAsync"/>), with its JetStream directory.</summary>
    public Task RestartAsync() => RunAsync(Port);

    public string Output => _process?.Output ?? "";

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try { Directory.Delete(_storeDir, recursive: true); }
        catch (IOException) { /* a file still held: the temp dir is cleaned by the OS */ }
    }
}
