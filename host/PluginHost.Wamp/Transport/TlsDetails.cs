using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// What the TLS layer of a router transport knows about its client, for authentication: the client certificate (the
/// <c>tls</c> method, Crossbar's principals keyed by certificate fingerprint) and the <c>tls-unique</c> channel id
/// (cryptosign channel binding). Immutable, made once per connection after the TLS handshake.
/// </summary>
/// <param name="TlsUnique">
/// The <c>tls-unique</c> channel binding data (RFC 5929: the first TLS Finished message); null where it is not
/// defined (TLS 1.3, RFC 9266): a client asking to bind is then refused rather than bound to nothing.
/// </param>
public sealed record TlsDetails(X509Certificate2? PeerCertificate, byte[]? TlsUnique, string Protocol)
{
    /// <summary>The channel id Autobahn binds cryptosign to: SHA-256 of <see cref="TlsUnique"/>, 32 bytes.</summary>
    public byte[]? TlsUniqueChannelId { get; } = TlsUnique is null ? null : SHA256.HashData(TlsUnique);

    /// <summary>"AB:CD:…", uppercase: the form Crossbar shows and its <c>certificate-sha1</c> principals use.</summary>
    public static string Fingerprint(X509Certificate2 certificate, HashAlgorithmName algorithm)
        => Convert.ToHexString(certificate.GetCertHash(algorithm)).Chunk(2).Select(c => new string(c)).Aggregate((a, b) => a + ":" + b);

    /// <summary>Crossbar's transport details <c>peer_cert</c> (what a dynamic tls authenticator sees) and <c>channel_id</c>.</summary>
    internal void AddTo(Dictionary<string, object?> transport)
    {
        transport["is_secure"] = true;
        transport["tls_protocol"] = Protocol;
        if (PeerCertificate is { } cert)
            transport["peer_cert"] = new Dictionary<string, object?>
            {
                ["sha1"] = Fingerprint(cert, HashAlgorithmName.SHA1),
                ["sha256"] = Fingerprint(cert, HashAlgorithmName.SHA256),
                ["subject"] = cert.Subject,
                ["issuer"] = cert.Issuer,
                ["not_before"] = cert.NotBefore.ToUniversalTime().ToString("O"),
                ["not_after"] = cert.NotAfter.ToUniversalTime().ToString("O"),
            };
        if (TlsUniqueChannelId is { } id)
            transport["channel_id"] = new Dictionary<string, object?> { ["tls-unique"] = Convert.ToHexStringLower(id) };
    }
}
