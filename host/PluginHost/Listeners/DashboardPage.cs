using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace PluginHost.Listeners;

/// <summary>
/// The "dashboard" web service (a PluginHost extension): the node's live page (Listeners/Dashboard/dashboard.html, built
/// into this assembly, nothing fetched from elsewhere), itself a WAMP client of the management API (crossbar.*, see
/// Node/Management/) and the meta API on <see cref="DashboardPathConfig.Realm"/>, over the WebSocket at
/// <see cref="DashboardPathConfig.WebSocketPath"/> of the same host. The page is the same for every node; only its
/// small JSON configuration block is filled in here.
/// </summary>
internal static class DashboardPage
{
    private static readonly string Template = LoadTemplate();

    public static RequestDelegate For(DashboardPathConfig config)
    {
        var settings = JsonSerializer.Serialize(new { realm = config.Realm, ws = config.WebSocketPath })
            .Replace("<", "\\u003c", StringComparison.Ordinal); // never ends the script element it sits in
        var body = Encoding.UTF8.GetBytes(Template.Replace("<script id=\"config\" type=\"application/json\">{}</script>",
            $"<script id=\"config\" type=\"application/json\">{settings}</script>", StringComparison.Ordinal));
        return context => LeafResponse.WriteAsync(context, "text/html; charset=utf-8", body);
    }

    private static string LoadTemplate()
    {
        using var stream = typeof(DashboardPage).Assembly.GetManifestResourceStream("PluginHost.Listeners.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("the dashboard page is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
