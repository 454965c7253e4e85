// The socket floor: the least CPU a WAMP router that answers each message as it arrives spends on this machine.
//
//   PluginHost.Bench.SocketFloor [--port N] [--raw-echo]    (127.0.0.1; 0 = a free port; prints "listening on PORT")
//
// A bare router (FloorRouter: JSON over WebSocket, exact URIs, one callee per procedure, no auth, no options) that
// bench/run.sh runs the harness's rpc, pubsub, pubsub-window and conn scenarios against, as it does against ours, so
// that the figures sit side by side. With --raw-echo it answers CALLs itself, like the harness's Kestrel echo.
//
// DESIGN: one thread, one epoll set (level-triggered) holding the listening socket and every connection. Per wake-up:
// for each ready connection one recv (a second only when the first filled the buffer), every whole message routed at
// once into its destinations' output buffers; then one send per connection that got frames. No thread pool, pipes,
// tasks or locks; no allocation per routed message; arguments are copied as bytes, never parsed. On this VM a syscall
// is the expensive thing (perf: the kernel's exit path alone is a third of this process's CPU, the TCP stack another
// third), and with messages arriving one per wake-up that is epoll_wait + recv + send per message: no socket layer that
// answers each message when it arrives makes fewer. Whatever our router spends above this is ours to cut; a target
// below it is out of reach on this machine.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PluginHost.Bench.SocketFloor;

int port = 0;
bool rawEcho = false;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length) port = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (args[i] == "--raw-echo") rawEcho = true;
    else { Console.Error.WriteLine($"unknown argument {args[i]} (usage: [--port N] [--raw-echo])"); return 2; }
}
if (!OperatingSystem.IsLinux()) { Console.Error.WriteLine("the socket floor uses epoll: Linux only"); return 2; }

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
listener.Listen(1024);
listener.Blocking = false;
Console.WriteLine($"listening on {((IPEndPoint)listener.LocalEndPoint!).Port} pid={Environment.ProcessId}");
EpollLoop.Run(listener, new FloorRouter(rawEcho));
return 0;
