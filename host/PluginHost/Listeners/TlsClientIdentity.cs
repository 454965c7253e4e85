using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Security.Authentication.ExtendedProtection;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Transport;

namespace PluginHost.Listeners;

/// <summary>
/// The TLS side of client authentication on a listener: which client certificates Kestrel asks for and accepts
/// (mutual TLS with <c>ca_certificates</c>, or optional certificates pinned by <c>tls</c> auth principals), and the
/// per-connection <see cref="TlsDetails"/> (certificate, tls-unique) that authentication reads.
/// </summary>
internal static class TlsClientIdentity
{
    public static HttpsConnectionAdapterOptions HttpsOptions(TlsConfig tls, bool tlsAuth)
    {
        var options = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = X509Certificate2.CreateFromPemFile(Path.GetFullPath(tls.Certificate), Path.GetFullPath(tls.Key)),
        };
        if (tls.CaCertificates is { } files)
        {
            var roots = new X509Certificate2Collection();
            foreach (var file in files) roots.ImportFromPemFile(file);
            options.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            options.ClientCertificateValidation = (certificate, _, _) => ChainsTo(certificate, roots);
        }
        else if (tlsAuth)
        {
            // No CA to check against: the certificate only proves the key; a tls principal's fingerprint decides.
            options.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            options.ClientCertificateValidation = (_, _, _) => true;
        }
        return options;
    }

    /// <summary>Whether the certificate chains to one of <paramref name="roots"/> (and only those: the system store is not consulted).</summary>
    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>Whether any auth config on this transport has the tls method (static or dynamic).</summary>
    public static bool UsesTlsAuth(TransportConfig config)
    {
        IEnumerable<TransportAuthConfig> auths = config switch
        {
            WebSocketTransportConfig ws => [ws.WebSocket.Auth],
            RawSocketTransportConfig rs => [rs.Auth],
            WebTransportConfig web => PathAuths(web.Paths),
            UniversalTransportConfig u => [.. u.RawSocket is { } r ? [r.Auth] : Array.Empty<TransportAuthConfig>(), .. PathAuths(u.Paths)],
            _ => [],
        };
        return auths.Any(a => a.Tls is not null || a.Dynamic?.ContainsKey("tls") == true);

        static IEnumerable<TransportAuthConfig> PathAuths(IReadOnlyDictionary<string, WebPathConfig>? paths)
            => paths is null ? [] : WebPipeline.Flatten(paths).Select(p => p.Service).OfType<WebSocketPathConfig>().Select(w => w.WebSocket.Auth);
    }

    /// <summary>What authentication needs from this connection's TLS session.</summary>
    public static TlsDetails Describe(SslStream ssl)
    {
        var certificate = ssl.RemoteCertificate is { } c ? c as X509Certificate2 ?? new X509Certificate2(c) : null;
        return new TlsDetails(certificate, ssl.SslProtocol == SslProtocols.Tls13 ? null : TlsUnique(ssl), ssl.SslProtocol.ToString());
    }

    /// <summary>
    /// tls-unique from .NET's channel binding: a SEC_CHANNEL_BINDINGS header (8 little-endian uint32s) whose
    /// application data is "tls-unique:" followed by the first Finished message.
    /// </summary>
    private static byte[]? TlsUnique(SslStream ssl)
    {
        using var binding = ssl.TransportContext?.GetChannelBinding(ChannelBindingKind.Unique);
        if (binding is null || binding.IsInvalid || binding.Size < 32) return null;
        var raw = new byte[binding.Size];
        Marshal.Copy(binding.DangerousGetHandle(), raw, 0, raw.Length);
        int length = BitConverter.ToInt32(raw, 24), offset = BitConverter.ToInt32(raw, 28);
        if (length <= 0 || offset < 32 || offset + length > raw.Length) return null;
        var data = raw.AsSpan(offset, length);
        var prefix = "tls-unique:"u8;
        if (data.StartsWith(prefix)) data = data[prefix.Length..];
        return data.IsEmpty ? null : data.ToArray();
    }
}
