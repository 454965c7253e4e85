using System.Net.Sockets;

namespace PluginHost.Bench.SocketFloor;

/// <summary>The one thread: waits on every socket at once and lets each ready connection read, answer and write.</summary>
internal static class EpollLoop
{
    public static unsafe void Run(Socket listener)
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
                if (fd == listenFd) { AcceptAll(listener, epoll, connections); continue; }
                if (!connections.TryGetValue(fd, out FloorConnection? connection)) continue;
                bool keep = (ready[i].Events & Native.EPOLLOUT) != 0 ? connection.OnWritable(epoll) : true;
                if (keep && (ready[i].Events & (Native.EPOLLIN | Native.EPOLLHUP | Native.EPOLLERR)) != 0)
                    keep = connection.OnReadable(epoll);
                if (!keep)
                {
                    connections.Remove(fd);
                    connection.Dispose(); // closing the socket takes it out of the epoll set
                }
            }
        }
    }

    static void AcceptAll(Socket listener, int epoll, Dictionary<int, FloorConnection> connections)
    {
        while (true)
        {
            Socket socket;
            try { socket = listener.Accept(); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock) { return; }
            socket.Blocking = false;
            socket.NoDelay = true;
            var connection = new FloorConnection(socket);
            connections[connection.Fd] = connection;
            Native.Add(epoll, connection.Fd, Native.EPOLLIN);
        }
    }
}
