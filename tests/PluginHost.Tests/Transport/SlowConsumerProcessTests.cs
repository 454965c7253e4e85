using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using PluginHost.Tests.Support;

namespace PluginHost.Tests.Transport;

/// <summary>
/// A subscriber that stops reading at the socket level, against a real router worker (NodeProcess): the router
/// holds a bounded amount for it (RouterOptions.MaxOutboundBytes, measured as the worker's RSS), closes it as a slow
/// consumer, and then really lets go of the connection (RawSocketService.CloseOrAbortAsync: its descriptor is gone).
/// </summary>
public sealed class SlowConsumerProcessTests
{
    private const int EventBytes = 512 * 1024, WarmUpEvents = 20, FloodEvents = 300;
    private const long RssBudget = 64L * 1024 * 1024;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static string Config(int port) => $$$"""
        {"version": 2, "workers": [{"type": "router",
          "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"publish": true, "subscribe": true}}]}]}],
          "transports": [{"type": "rawsocket", "id": "raw", "endpoint": {"type": "tcp", "port": {{{port}}}}, "serializers": ["json"]}]}]}
        """;

    [Fact]
    public async Task Never_reading_subscriber_of_large_events_costs_bounded_memory_is_closed_and_its_descriptor_released()
    {
        int port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(Config(port));
        int routerPid = await node.WorkerPidAsync("Router", "worker001");
        await node.WaitForLineAsync("transport 'raw' started");

        using var subscriber = await JoinAsync(port);
        await SendFrameAsync(subscriber, """[32, 1, {}, "big"]""");
        Assert.StartsWith("[33,", await ReadFrameAsync(subscriber));
        using var publisher = await JoinAsync(port);
        var payload = new string('x', EventBytes);

        // Warm-up: the subscriber still reads (JIT, buffers, first large-object allocations), then the baseline.
        for (int i = 0; i < WarmUpEvents; i++)
        {
            await SendFrameAsync(publisher, $$"""[16, {{i + 1}}, {}, "big", [{{i}}, "{{payload}}"]]""");
            Assert.StartsWith("[36,", await ReadFrameAsync(subscriber));
        }
        int clientPort = ((System.Net.IPEndPoint)subscriber.LocalEndPoint!).Port;
        long inode = ServerSocketInode(port, clientPort);
        Assert.True(HoldsSocket(routerPid, inode), "the router holds the subscriber's connection before the flood");
        GC.KeepAlive(payload);
        long idle = RssBytes(routerPid);

        // From here on the subscriber never reads. The publisher floods; the router pauses it while the subscriber is
        // congested (flow control rule 2), so its sends are bounded by the test's patience, not by a fixed count of tries.
        long peak = idle;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, RssBytes(routerPid));
                try { await Task.Delay(50, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        var flood = Task.Run(async () =>
        {
            // Acknowledged, one at a time: what is measured is the slow session's own queue, not a burst of publications
            // already decoded and queued for the realm loop before the gate closed (rule 5 bounds those in count only).
            for (int i = WarmUpEvents; i < WarmUpEvents + FloodEvents; i++)
            {
                await SendFrameAsync(publisher, $$"""[16, {{i + 1}}, {"acknowledge": true}, "big", [{{i}}, "{{payload}}"]]""");
                using var published = System.Text.Json.JsonDocument.Parse(await ReadFrameAsync(publisher));
                Assert.Equal(17, published.RootElement[0].GetInt32()); // PUBLISHED
                Assert.Equal(i + 1, published.RootElement[1].GetInt32());
            }
        });
        await node.WaitForLineAsync(@"Slow consumer: session \d+ .*closing its transport", timeout: Patience);
        sampling.Cancel();
        await sampler;
        await flood.WaitAsync(Patience); // the rest of the flood goes through once the slow consumer is gone
        // What the slow session costs: the growth while it holds its queue, up to its close. (Without the byte bound it
        // would hold all 300 events, 150 MB, and never be congested, hence never closed.) After the close the rest of
        // the flood passes through to nobody: its garbage (large decoded strings, collected later) is not the session's.
        long growth = peak - idle;
        Assert.True(growth < RssBudget, $"router RSS grew by {growth / (1024 * 1024)} MiB over idle ({idle / (1024 * 1024)} MiB) until the slow consumer was closed, budget {RssBudget / (1024 * 1024)} MiB");

        // Closed, and really: the router's descriptor for the connection goes, although the client never reads.
        var deadline = DateTime.UtcNow + Patience;
        while (HoldsSocket(routerPid, inode))
        {
            Assert.True(DateTime.UtcNow < deadline, $"router still holds the slow consumer's socket (inode {inode}):\n{node.Log}");
            await Task.Delay(100);
        }
    }

    private static async Task<Socket> JoinAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port).WaitAsync(Patience);
        await socket.SendAsync(new byte[] { 0x7F, 0xF1, 0, 0 }); // 16 MiB, JSON
        var reply = new byte[4];
        await ReceiveExactlyAsync(socket, reply);
        Assert.Equal(0x7F, reply[0]);
        await SendFrameAsync(socket, """[1, "realm1", {"roles": {"publisher": {}, "subscriber": {}}}]""");
        Assert.StartsWith("[2,", await ReadFrameAsync(socket));
        return socket;
    }

    private static async Task SendFrameAsync(Socket socket, string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length); // frame type 0 (message) in the high octet
        payload.CopyTo(frame, 4);
        await socket.SendAsync(frame.AsMemory()).AsTask().WaitAsync(Patience);
    }

    private static async Task<string> ReadFrameAsync(Socket socket)
    {
        var header = new byte[4];
        await ReceiveExactlyAsync(socket, header);
        var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(header) & 0xFFFFFF];
        await ReceiveExactlyAsync(socket, payload);
        return Encoding.UTF8.GetString(payload);
    }

    private static async Task ReceiveExactlyAsync(Socket socket, byte[] buffer)
    {
        for (int read = 0; read < buffer.Length;)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read)).AsTask().WaitAsync(Patience);
            if (n == 0) throw new IOException("router closed the connection");
            read += n;
        }
    }

    private static long RssBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"no VmRSS for PID {pid}");
    }

    /// <summary>The inode of the router's end of the connection (local port <paramref name="serverPort"/>, remote <paramref name="clientPort"/>).</summary>
    private static long ServerSocketInode(int serverPort, int clientPort)
    {
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (PortOf(f[1]) == serverPort && PortOf(f[2]) == clientPort) return long.Parse(f[9], CultureInfo.InvariantCulture);
            }
        throw new InvalidOperationException($"no server socket for 127.0.0.1:{serverPort} <- :{clientPort}");
        static int PortOf(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    private static bool HoldsSocket(int pid, long inode)
    {
        string target = $"socket:[{inode}]";
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
        {
            try { if (new FileInfo(fd).LinkTarget == target) return true; }
            catch (IOException) { } // closed while we looked
        }
        return false;
    }
}
