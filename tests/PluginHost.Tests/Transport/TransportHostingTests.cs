using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using PluginHost.Listeners;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Transport;

/// <summary>TLS, start-up log lines and WebSocket auto-ping.</summary>
public sealed class TransportHostingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pluginhost-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A self-signed certificate for 127.0.0.1 written as PEM files.</summary>
    private TlsConfig SelfSignedPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var tls = new TlsConfig(Path.Combine(_dir, "server.key"), Path.Combine(_dir, "server.crt"));
        File.WriteAllText(tls.Key, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(tls.Certificate, cert.ExportCertificatePem());
        return tls;
    }

    [Fact]
    public async Task UniversalTransportOverTls()
    {
        File.WriteAllText(Path.Combine(_dir, "index.html"), "secure");
        var universal = new UniversalTransportConfig
        {
            Id = "tls",
            Endpoint = Loopback with { Tls = SelfSignedPem() },
            RawSocket = new RawSocketTransportConfig { Id = "tls-rs", Endpoint = Loopback },
            Paths = new Dictionary<string, WebPathConfig>
            {
                ["/"] = new StaticPathConfig { Directory = _dir },
                ["ws"] = new WebSocketPathConfig(),
            },
        };
        await using var transports = await StartAsync(new EchoSessions(), universal);
        var port = transports["tls"].Port;
        Assert.Contains($"wss://127.0.0.1:{port}/ws", transports["tls"].Urls);

        await using var ws = await WampTransportConnector.ConnectWebSocketAsync(new Uri($"wss://127.0.0.1:{port}/ws"), [WampSerializers.Json],
            o => o.RemoteCertificateValidationCallback = (_, _, _, _) => true, WebSocketConnection.DefaultMaxMessageSize);
        await ws.SendAsync(Call(1, "over tls"));
        AssertSame(Call(1, "over tls"), await ws.ReceiveAsync().AsTask().WaitAsync(Wait));

        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator });
        Assert.Equal("secure", await http.GetStringAsync($"https://127.0.0.1:{port}/"));

        // RawSocket inside TLS: the 0x7F octet is looked at after decryption.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        await ssl.WriteAsync(new byte[] { 0x7F, 0xF1, 0, 0 });
        var reply = new byte[4];
        await ssl.ReadExactlyAsync(reply).AsTask().WaitAsync(Wait);
        Assert.Equal(new byte[] { 0x7F, 0xF1, 0, 0 }, reply);
    }

    [Fact]
    public async Task NoTransportsMeansNoListener()
    {
        await using var transports = await RouterTransports.StartAsync([], new EchoSessions().HandleAsync);
        Assert.Empty(transports.Transports);
    }

    [Fact]
    public async Task LogsOneLinePerStartedTransport()
    {
        var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        var configs = new TransportConfig[]
        {
            new WebSocketTransportConfig { Id = "transport001", Endpoint = Loopback },
            new RawSocketTransportConfig { Id = "transport002", Endpoint = Loopback, Serializers = ["json"] },
        };
        await using (var transports = await RouterTransports.StartAsync(configs, new EchoSessions().HandleAsync, factory))
        {
            var names = string.Join(", ", WampSerializers.All.Select(s => s.Name));
            Assert.Contains($"transport 'transport001' started: ws://127.0.0.1:{transports["transport001"].Port}/ ({names})", logs.Lines);
            Assert.Contains($"transport 'transport002' started: rs://127.0.0.1:{transports["transport002"].Port} rawsocket (json)", logs.Lines);
        }
    }

    [Fact]
    public async Task AutoPingDropsPeersThatNeverAnswer()
    {
        var sessions = new EchoSessions();
        var options = new WebSocketOptions { AutoPingIntervalMs = 100, AutoPingTimeoutMs = 200 };
        await using var transports = await StartAsync(sessions,
            new WebSocketTransportConfig { Id = "ws", Endpoint = Loopback, WebSocket = new() { Options = options } });

        // A hand-made WebSocket client that completes the upgrade and then never reads or answers pings.
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", transports["ws"].Port);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp.2.json\r\n\r\n"));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n"))
        {
            await stream.ReadExactlyAsync(one).AsTask().WaitAsync(Wait);
            head.Append((char)one[0]);
        }
        Assert.StartsWith("HTTP/1.1 101", head.ToString());

        await stream.ReadExactlyAsync(one).AsTask().WaitAsync(Wait);
        Assert.Equal(0x89, one[0]); // FIN + PING opcode: the server pings on its own
        Assert.NotNull(await sessions.NextEndAsync()); // no PONG: the server gives up on the connection
    }

    private sealed class ListLoggerProvider : ILoggerProvider, ILogger
    {
        private readonly List<string> _lines = [];
        public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines) _lines.Add(formatter(state, exception));
        }
        public void Dispose() { }
    }
}
