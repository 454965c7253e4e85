using System.Net;
using System.Net.Sockets;

namespace PluginHost.Listeners;

/// <summary>Endpoint helpers: bind addresses and Crossbar-style peer strings.</summary>
internal static class TransportNet
{
    /// <summary>The address to bind: the configured interface, or all interfaces of the IP version.</summary>
    public static IPAddress BindAddress(EndpointConfig endpoint)
    {
        if (endpoint.Type != "tcp")
            throw new NotSupportedException($"endpoint type '{endpoint.Type}' is not supported (only tcp)");
        var family = endpoint.Version == 6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        if (string.IsNullOrEmpty(endpoint.Interface))
            return family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        if (IPAddress.TryParse(endpoint.Interface, out var address)) return address;
        if (endpoint.Interface == "localhost")
            return family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
        return Dns.GetHostAddresses(endpoint.Interface).FirstOrDefault(a => a.AddressFamily == family)
            ?? throw new ArgumentException($"interface '{endpoint.Interface}' has no IPv{endpoint.Version} address");
    }

    /// <summary>"tcp4:127.0.0.1:53412" / "tcp6:[::1]:53412", as Crossbar reports peers.</summary>
    public static string PeerString(IPAddress? address, int port)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"tcp6:[{address}]:{port}" : $"tcp4:{address}:{port}";
    }

    public static string PeerString(EndPoint? endPoint)
        => endPoint is IPEndPoint ip ? PeerString(ip.Address, ip.Port) : endPoint?.ToString() ?? "unknown";

    /// <summary>scheme://host:port for logs and <see cref="StartedTransport.Urls"/>.</summary>
    public static string Url(string scheme, IPEndPoint endPoint, string path = "")
    {
        string host = endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]" : endPoint.Address.ToString();
        return $"{scheme}://{host}:{endPoint.Port}{path}";
    }
}
