using BenchmarkDotNet.Attributes;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Transport;

namespace PluginHost.Bench.Embedded;

/// <summary>
/// The router core alone on ONE core: caller and callee are bare in-process connections that hand the router ready-made
/// CALL and YIELD messages (no client library, no serializer, no socket), the callee echoing each INVOCATION's arguments.
/// What remains is the router: the session readers, the realm loop (dealer), the outbound queues and writers. The
/// caller keeps <see cref="InFlight"/> calls outstanding. "Mean" is per call: calls/s = 1 s / Mean (issue 13's target
/// is 1,000,000 routed calls/s). <see cref="RoutedCalls"/> measures the same with our client at both ends.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OneCore))]
public class RouterCoreCalls
{
    private const int Calls = 16384;
    private static readonly IReadOnlyDictionary<string, object?> NoOptions = new Dictionary<string, object?>();
    private static readonly object?[] Payload = ["hello", 42];

    private EmbeddedRouter _router = null!;
    private IWampConnection _caller = null!;
    private IWampConnection _callee = null!;
    private Task _echo = null!;
    private long _nextRequest;

    [Params(1, 16)]
    public int InFlight { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _router = new EmbeddedRouter();
        _callee = await JoinAsync();
        await _callee.SendAsync(new RegisterMessage(1, NoOptions, "bench.echo"));
        if (await _callee.ReceiveAsync() is not RegisteredMessage) throw new InvalidOperationException("REGISTER refused");
        _echo = Task.Run(EchoAsync);
        _caller = await JoinAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _caller.CloseAsync();
        await _callee.CloseAsync();
        await _echo;
        await _router.DisposeAsync();
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public async Task Call()
    {
        for (int i = 0; i < InFlight; i++) await SendCallAsync();
        for (int sent = InFlight, answered = 0; answered < Calls;)
        {
            if (await _caller.ReceiveAsync() is not ResultMessage) throw new InvalidOperationException("a call failed");
            answered++;
            if (sent < Calls)
            {
                sent++;
                await SendCallAsync();
            }
        }
    }

    private ValueTask SendCallAsync() => _caller.SendAsync(new CallMessage(++_nextRequest, NoOptions, "bench.echo", Payload));

    private async Task EchoAsync()
    {
        while (await _callee.ReceiveAsync() is InvocationMessage invocation)
            await _callee.SendAsync(new YieldMessage(invocation.RequestId, NoOptions, invocation.Arguments));
    }

    private async Task<IWampConnection> JoinAsync()
    {
        var connection = _router.Router.ConnectInProcess();
        var roles = new Dictionary<string, object?> { ["caller"] = NoOptions, ["callee"] = NoOptions };
        await connection.SendAsync(new HelloMessage(EmbeddedRouter.Realm, new Dictionary<string, object?> { ["roles"] = roles }));
        if (await connection.ReceiveAsync() is not WelcomeMessage) throw new InvalidOperationException("HELLO refused");
        return connection;
    }
}
