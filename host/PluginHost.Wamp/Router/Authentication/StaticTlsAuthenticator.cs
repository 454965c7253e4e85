using System.Security.Cryptography;
using PluginHost.Wamp.Transport;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// TLS client-certificate authentication, static (Crossbar's router/auth/tls.py): no CHALLENGE; the certificate the
/// client presented in the TLS handshake names the principal through its SHA-1 fingerprint (<c>certificate-sha1</c>).
/// HELLO.authid is not trusted: the principal's authid is the one assigned.
/// </summary>
internal sealed class StaticTlsAuthenticator(AuthRequest request, IReadOnlyDictionary<string, TlsPrincipal> principals) : PendingAuth(request)
{
    public override string AuthMethod => "tls";

    public override AuthOutcome Hello()
    {
        if (Request.Tls?.PeerCertificate is not { } certificate)
            return NotAuthorized("client did not send a TLS client certificate");
        var sha1 = certificate.GetCertHash(HashAlgorithmName.SHA1);
        foreach (var (authId, principal) in principals)
        {
            if (!CryptographicOperations.FixedTimeEquals(sha1, Convert.FromHexString(principal.CertificateSha1))) continue;
            return AssignPrincipal(authId, principal.Role, principal.Realm) ?? (AuthOutcome)Accept();
        }
        return NotAuthorized($"no principal has the client certificate {TlsDetails.Fingerprint(certificate, HashAlgorithmName.SHA1)}");
    }
}
