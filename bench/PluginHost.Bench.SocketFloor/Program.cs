// The socket floor: the least CPU a server that answers each WebSocket message as it arrives spends on this machine.
//
//   dotnet PluginHost.Bench.SocketFloor.dll [--port N]     (127.0.0.1; 0 = a free port; prints "listening on PORT")
//
// bench/run.sh runs the harness's rpc scenario against it in raw-echo mode (as it does against the harness's Kestrel
// echo): each CALL-shaped message gets a RESULT-shaped reply, HELLO a WELCOME, GOODBYE a GOODBYE and a close.
//
// DESIGN: one thread, one epoll set (level-triggered) holding the listening socket and every connection; per wake-up
// and ready connection one recv (a second only when the first filled the buffer) and one send of every reply the
// bytes read produced. No thread pool, no pipes, no tasks, no allocation per message. A syscall is the expensive thing
// on this VM (~3-4 µs each with loopback TCP's work inside send), so per round trip this is epoll_wait + recv + send
// when messages arrive one per wake-up: no general-purpose socket layer (Kestrel's included) makes fewer, which is
// what makes it the floor to compare a router's per-message CPU with (a routed call is two round trips through it).
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PluginHost.Bench.SocketFloor;

int port = 0;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--port" && i + 1 < args.Length) port = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else { Console.Error.WriteLine($"unknown argument {args[i]} (usage: --port N)"); return 2; }
}
if (!OperatingSystem.IsLinux()) { Console.Error.WriteLine("the socket floor uses epoll: Linux only"); return 2; }

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
listener.Listen(1024);
listener.Blocking = false;
Console.WriteLine($"listening on {((IPEndPoint)listener.LocalEndPoint!).Port} pid={Environment.ProcessId}");
EpollLoop.Run(listener);
return 0;
