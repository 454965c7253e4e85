using System.Buffers;
using System.Threading.Channels;
using CsCheck;
using Microsoft.Extensions.Logging;
using PluginHost.Tests.Serialization;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Router;

/// <summary>
/// Property-based fuzzing of the router's session state machine (CsCheck, bounded in time). Each sample is one session
/// on a shared router: a random sequence of frames (plausible messages of every type, mutated ones, garbage bytes) in a
/// random serializer, then GOODBYE. Properties: every frame the router sends decodes under the strict codec; the
/// session ends with ABORT or GOODBYE and the router closes it; ServeAsync returns; nothing is logged as an error;
/// afterwards the realm still routes and no session is left behind.
/// </summary>
public sealed class SessionFuzzTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly CapturingLoggerProvider _logs = new();
    private WampRouter _router = null!;
    private ILoggerFactory _loggerFactory = null!;
    // Coverage, so that the property cannot pass on a degenerate generator: sessions run, joined, and answered in the realm.
    private int _sessions, _joined, _routed;

    public Task InitializeAsync()
    {
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Debug));
        _router = new WampRouter(new RouterOptions { HelloTimeout = Wait }, _loggerFactory);
        _router.AddRealm(new RealmConfig { Name = "realm1" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _router.DisposeAsync();
        _loggerFactory.Dispose();
    }

    private static readonly Gen<(string Serializer, object[] Frames)> Session =
        WireFuzz.Serializer.SelectMany(serializer => Gen.Frequency(
                (30, WireFuzz.PlausibleFields.Select(f => (object)f)),
                (2, WireFuzz.MutatedFields.Select(f => (object)f)),
                (1, Gen.Byte.Array[0, 40].Select(b => (object)b)))
            .Array[1, 12]
            // Most sessions start with a valid HELLO so that the fuzzer spends its time in the joined state.
            .SelectMany(frames => Gen.Frequency((6, Gen.Const(true)), (1, Gen.Const(false)))
                .Select(hello => hello ? [new object?[] { 1L, "realm1", WireFuzz.AllRoles }, .. frames] : frames))
            // "\u0000x" is JSON's invalid binary (a protocol violation to test there); from msgpack/cbor it would be a plain string
            // that JSON receivers of the shared realm cannot tell from binary (WAMP's JSON convention has no escape for it), a
            // known gap of the convention, kept out of this property: only JSON sessions send it.
            .Select(frames => (serializer, serializer == "json" ? frames : frames.Select(WithoutNulPrefixedStrings).ToArray())));

    private static object WithoutNulPrefixedStrings(object frame) => frame is object?[] fields ? fields.Select(Clean).ToArray() : frame;

    private static object? Clean(object? value) => value switch
    {
        string s when s.StartsWith('\u0000') => "x" + s[1..],
        object?[] list => list.Select(Clean).ToArray(),
        List<object?> list => list.Select(Clean).ToList(),
        Dictionary<string, object?> dict => dict.ToDictionary(kv => kv.Key, kv => Clean(kv.Value)),
        _ => value,
    };

    [Fact]
    public async Task RandomMessageSequencesNeverBreakTheRouter()
    {
        Session.Sample((serializer, frames) => RunSessionAsync(serializer, frames).GetAwaiter().GetResult(),
            time: 5, threads: 2, print: t => $"{t.Item1}: " + string.Join(" ", t.Item2.Select(Describe)));

        Assert.True(_joined > 50 && _routed > 50, $"the fuzzer barely reached the realm: {_sessions} sessions, {_joined} joined, {_routed} answered by the realm");

        // The realm survives: a fresh session joins, routes an event to itself, and is the only session left.
        await ProbeRealmAsync();
        var errors = _logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Text).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    private static string Describe(object frame) => frame is object?[] fields
        ? StrictWireTests.JsonText(fields.Select(f => f is byte[] b ? Convert.ToHexString(b) : f).ToArray())
        : "bytes:" + Convert.ToHexString((byte[])frame);

    private async Task RunSessionAsync(string serializer, object[] frames)
    {
        var s = WampSerializers.ByName(serializer)!;
        var (client, routerSide) = FramedConnection.CreatePair(s);
        var serve = _router.ServeAsync(routerSide);
        foreach (var frame in frames)
        {
            var bytes = frame as byte[] ?? WireFuzz.TryEncode(serializer, (object?[])frame);
            if (bytes is not null) client.SendFrame(bytes);
        }
        client.SendFrame(Wire.EncodeFields(s, 6L, new Dictionary<string, object?>(), "wamp.close.close_realm"));

        var received = new List<WampMessage>();
        using var cts = new CancellationTokenSource(Wait);
        while (await client.ReceiveFrameAsync(cts.Token) is { } bytes)
        {
            // Everything the router writes obeys the strict codec (decoding throws otherwise).
            received.Add(s.Deserialize(new ReadOnlySequence<byte>(bytes)));
        }
        await serve.WaitAsync(Wait);
        var last = Assert.IsAssignableFrom<WampMessage>(received.LastOrDefault());
        Assert.True(last is AbortMessage or GoodbyeMessage, $"the session ended with {last.Type}");
        Assert.Single(received, m => m is AbortMessage or GoodbyeMessage);
        Interlocked.Increment(ref _sessions);
        if (received[0] is WelcomeMessage) Interlocked.Increment(ref _joined);
        if (received.Any(m => m is SubscribedMessage or RegisteredMessage or PublishedMessage or ResultMessage or EventMessage or InvocationMessage or ErrorMessage))
            Interlocked.Increment(ref _routed);
    }

    private async Task ProbeRealmAsync()
    {
        await using var client = await WampTestClient.JoinAsync(_router, "realm1");
        await client.SendAsync(new SubscribeMessage(1, new Dictionary<string, object?>(), "com.probe"));
        await client.ExpectAsync<SubscribedMessage>();
        await client.SendAsync(new PublishMessage(2, new Dictionary<string, object?> { ["exclude_me"] = false }, "com.probe", [42L]));
        Assert.Equal(42L, (await client.ExpectAsync<EventMessage>()).Arguments![0]);
        await client.SendAsync(new CallMessage(3, new Dictionary<string, object?>(), "wamp.session.count"));
        Assert.Equal(1L, (await client.ExpectAsync<ResultMessage>()).Arguments![0]);
    }

    /// <summary>
    /// A transport of serialized frames, like a WebSocket without the socket: the router end decodes what the client
    /// end sends (malformed frames throw WampProtocolException, as real transports do) and encodes what it answers.
    /// </summary>
    private sealed class FramedConnection : IWampConnection
    {
        private readonly IWampSerializer _serializer;
        private readonly Channel<byte[]> _toRouter;
        private readonly Channel<byte[]> _toClient;

        private FramedConnection(IWampSerializer serializer, Channel<byte[]> toRouter, Channel<byte[]> toClient)
        {
            _serializer = serializer;
            _toRouter = toRouter;
            _toClient = toClient;
            Details = new TransportDetails("websocket", serializer.Name, Peer: "tcp4:127.0.0.1:40000");
        }

        public static (ClientEnd Client, FramedConnection Router) CreatePair(IWampSerializer serializer)
        {
            var toRouter = Channel.CreateUnbounded<byte[]>();
            var toClient = Channel.CreateUnbounded<byte[]>();
            return (new ClientEnd(toRouter.Writer, toClient.Reader), new FramedConnection(serializer, toRouter, toClient));
        }

        public TransportDetails Details { get; }

        public async ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default)
        {
            if (!await _toRouter.Reader.WaitToReadAsync(cancellationToken) || !_toRouter.Reader.TryRead(out var bytes)) return null;
            return _serializer.Deserialize(new ReadOnlySequence<byte>(bytes));
        }

        public ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default)
        {
            foreach (var message in messages)
            {
                var buffer = new ArrayBufferWriter<byte>();
                _serializer.Serialize(message, buffer);
                if (!_toClient.Writer.TryWrite(buffer.WrittenSpan.ToArray())) throw new IOException("transport closed");
            }
            return ValueTask.CompletedTask;
        }

        public ValueTask CloseAsync(string? reason = null)
        {
            _toClient.Writer.TryComplete();
            _toRouter.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => CloseAsync();
    }

    private sealed class ClientEnd(ChannelWriter<byte[]> toRouter, ChannelReader<byte[]> fromRouter)
    {
        public void SendFrame(byte[] bytes) => toRouter.TryWrite(bytes); // false once the router closed: like a reset socket

        public async Task<byte[]?> ReceiveFrameAsync(CancellationToken ct)
            => await fromRouter.WaitToReadAsync(ct) && fromRouter.TryRead(out var bytes) ? bytes : null;
    }
}
