using System.Globalization;
using Microsoft.Extensions.Logging;
using PluginHost.Abstractions;

namespace timeservice;

/// <summary>
/// The Crossbar guide's TimeService in C#: registers com.timeservice.now in OnJoinAsync (the
/// imperative style, like Autobahn's ApplicationSession) and answers with the UTC time.
/// </summary>
public sealed class TimeService : WampComponent
{
    public override async Task OnJoinAsync(IWampComponentSession session, JoinDetails details)
    {
        try
        {
            await session.RegisterAsync("com.timeservice.now", UtcNow);
            Context.Logger.LogInformation("Ok, registered procedure for WAMP RPC (com.timeservice.now)");
        }
        catch (WampErrorException e)
        {
            Context.Logger.LogError("Failed to register procedure: {Error}", e.Message);
        }
    }

    private string UtcNow()
    {
        Context.Logger.LogInformation("I am being called;)");
        // %Y-%m-%dT%H:%M:%SZ
        return DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }
}
