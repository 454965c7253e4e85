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
    internal static string GenerateAuthId() => string.Create(6 * 4 + 5, 0, static (id, _) =>
    {
        // Six groups of four random characters, a dash between groups, written straight into the one string made.
        for (int group = 0; group < 6; group++)
        {
            if (group > 0) id[group * 5 - 1] = '-';
            RandomNumberGenerator.GetItems(AuthIdAlphabet, id.Slice(group * 5, 4));
        }
    });
}
