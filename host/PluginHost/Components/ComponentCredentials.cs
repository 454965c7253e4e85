using Microsoft.Extensions.Logging;
using PluginHost.Node.Config;
using PluginHost.Wamp.Client;

namespace PluginHost.Components;

/// <summary>The HELLO a component joins with: its configured <c>auth</c> turned into authid, authmethods, authextra and authenticators.</summary>
internal static class ComponentCredentials
{
    public static WampJoinOptions JoinOptions(ComponentAuthConfig? auth, ILogger log)
    {
        if (auth is null) return new WampJoinOptions { Logger = log };
        var authenticators = new List<IWampAuthenticator>();
        foreach (var method in auth.Methods)
        {
            switch (method)
            {
                case "ticket": authenticators.Add(new TicketAuthenticator(auth.Ticket!)); break;
                case "wampcra": authenticators.Add(new WampCraAuthenticator(auth.WampCraSecret!)); break;
                case "cryptosign": authenticators.Add(new CryptosignAuthenticator(auth.CryptosignPrivateKey!)); break;
                case "scram": authenticators.Add(new ScramAuthenticator(auth.AuthId!, auth.ScramPassword!)); break;
            }
        }
        return new WampJoinOptions
        {
            Logger = log,
            AuthId = auth.AuthId,
            AuthMethods = auth.Methods,
            AuthExtra = auth.AuthExtra,
            Authenticator = authenticators.Count > 0 ? new WampAuthenticatorSet(authenticators) : null,
        };
    }
}
