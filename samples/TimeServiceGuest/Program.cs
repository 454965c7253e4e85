// The Crossbar guide's TimeService as a guest worker: its own process, its own WAMP connection (PluginHost.Wamp's
// client over WebSocket, JSON). Usage: TimeServiceGuest URL REALM
// Exits 1 when the connection is lost; the node's supervisor restarts it with backoff.
using System.Globalization;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: TimeServiceGuest URL REALM   (e.g. ws://127.0.0.1:8080/ws realm1)");
    return 2;
}

var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri(args[0]), [WampSerializers.Json]);
await using var session = await WampSession.JoinAsync(connection, args[1]);

var registration = await session.RegisterAsync("com.timeservice.now", (_, _) =>
{
    Console.WriteLine("I am being called;)");
    var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    return ValueTask.FromResult<WampResult?>(WampResult.Of(now));
});
Console.WriteLine($"Ok, registered procedure for WAMP RPC ({registration.Id})");

// SIGTERM (the node stopping) ends the session cleanly; a lost connection ends the program with 1.
using var stop = new CancellationTokenSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
var closed = await Task.WhenAny(session.Closed, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }));
if (closed != session.Closed) return 0;
Console.WriteLine($"Connection lost: {(await session.Closed)}");
return 1;
