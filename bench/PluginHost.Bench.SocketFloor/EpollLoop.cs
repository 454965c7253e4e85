using System.Net.Sockets;

namespace PluginHost.Bench.SocketFloor;

/// <summary>
/// The one thread: waits on every socket at once, lets each ready connection read and hand its messages to the
/// router, then writes every connection that got frames during the wake-up with one send each.
/// </summary>
internal static class EpollLoop
{
    public static unsafe void Run(Socket listener, FloorRouter router)
    {
        int epoll = Native.epoll_create1(0);
        if (epoll < 0) throw new InvalidOperationException($"epoll_create1 failed (errno {Native.LastError})");
        int listenFd = (int)listener.Handle;
        Native.Add(epoll, listenFd, Native.EPOLLIN);
        var connections = new Dictionary<int, FloorConnection>();
        var ready = new Native.EpollEvent[256];
        while (true)
        {
            int n;
            fixed (Native.EpollEvent* events = ready) n = Native.epoll_wait(epoll, events, ready.Length, -1);
            if (n < 0)
            {
                if (Native.LastError == Native.EINTR) continue;
                throw new InvalidOperationException($"epoll_wait failed (errno {Native.LastError})");
            }
            for (int i = 0; i < n; i++)
            {
                int fd = (int)ready[i].Data;
                if (fd == listenFd) { AcceptAll(listener, epoll, router, connections); continue; }
                if (!connections.TryGetValue(fd, out FloorConnection? connection)) continue;
                if ((ready[i].Events & Native.EPOLLOUT) != 0) router.Touch(connection); // the rest of a blocked write
                if ((ready[i].Events & (Native.EPOLLIN | Native.EPOLLHUP | Native.EPOLLERR)) == 0) continue;
                if (connection.OnReadable()) router.Touch(connection); // an upgrade, pong or close answer to write
                else Drop(connection, router, connections);
            }
            foreach (FloorConnection connection in router.Touched)
            {
                connection.Touched = false;
                if (!connection.Closed && !connection.Flush(epoll)) Drop(connection, router, connections);
            }
            router.Touched.Clear();
        }
    }

    static void Drop(FloorConnection connection, FloorRouter router, Dictionary<int, FloorConnection> connections)
    {
        router.Leave(connection);
        connections.Remove(connection.Fd);
        connection.Dispose();
    }

    static void AcceptAll(Socket listener, int epoll, FloorRouter router, Dictionary<int, FloorConnection> connections)
    {
        while (true)
        {
            Socket socket;
            try { socket = listener.Accept(); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock) { return; }
            socket.Blocking = false;
            socket.NoDelay = true;
            var connection = new FloorConnection(socket, router);
            connections[connection.Fd] = connection;
            Native.Add(epoll, connection.Fd, Native.EPOLLIN);
        }
    }
}
