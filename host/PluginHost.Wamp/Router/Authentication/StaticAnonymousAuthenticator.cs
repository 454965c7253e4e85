using System.Security.Cryptography;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>WAMP-Anonymous, static: the configured role, the configured authid or a random one. No CHALLENGE.</summary>
internal sealed class StaticAnonymousAuthenticator(AuthRequest request, string role, string? authId) : PendingAuth(request)
{
    private const string AuthIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public override string AuthMethod => "anonymous";

    public override AuthOutcome Hello()
        => (AuthOutcome?)AssignPrincipal(authId ?? GenerateAuthId(), role, null) ?? Accept(ClientAuthExtra);

    /// <summary>Crossbar-style random authid (util.generate_serial_number), e.g. "K3QF-7RXW-MV9C-2LAH-P0DN-8TJE".</summary>
    internal static string GenerateAuthId()
    {
        var raw = RandomNumberGenerator.GetString(AuthIdAlphabet, 24);
        return string.Join('-', Enumerable.Range(0, 6).Select(i => raw.Substring(i * 4, 4)));
    }
}
