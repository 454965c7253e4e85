using System.Runtime.InteropServices;

namespace PluginHost.Bench.SocketFloor;

/// <summary>The libc calls the floor makes: epoll and plain recv/send on a socket's descriptor.</summary>
internal static unsafe partial class Native
{
    public const uint EPOLLIN = 0x001, EPOLLOUT = 0x004, EPOLLERR = 0x008, EPOLLHUP = 0x010;
    public const int EINTR = 4, EAGAIN = 11;
    const int EPOLL_CTL_ADD = 1, EPOLL_CTL_MOD = 3;
    const int MSG_NOSIGNAL = 0x4000;

    /// <summary>x86-64's struct epoll_event is packed: a 32-bit event mask then 64 bits of user data.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    public static int LastError => Marshal.GetLastPInvokeError();

    public static void Add(int epoll, int fd, uint events) => Control(epoll, EPOLL_CTL_ADD, fd, events);

    public static void Modify(int epoll, int fd, uint events) => Control(epoll, EPOLL_CTL_MOD, fd, events);

    static void Control(int epoll, int op, int fd, uint events)
    {
        var ev = new EpollEvent { Events = events, Data = (ulong)fd };
        if (epoll_ctl(epoll, op, fd, ref ev) < 0) throw new InvalidOperationException($"epoll_ctl failed (errno {LastError})");
    }

    public static nint Receive(int fd, Span<byte> into)
    {
        fixed (byte* p = into) return recv(fd, p, into.Length, 0);
    }

    public static nint Send(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) return send(fd, p, bytes.Length, MSG_NOSIGNAL);
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, ref EpollEvent ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, byte* buffer, nint length, int flags);
}
