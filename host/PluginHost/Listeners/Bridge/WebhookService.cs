using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Client;

namespace PluginHost.Listeners.Bridge;

/// <summary>
/// HTTP bridge webhook (Crossbar's WebhookResource): a POST/PUT of any UTF-8 body publishes one event to the
/// configured topic whose single positional argument is {"headers": {Name: [values]}, "body": text}, header names
/// in Twisted's canonical capitalisation (Content-Type, User-Agent, ...). Answers 202 with success_response
/// ("OK"), or 500 with error_response ("NOT OK") when the publish fails.
/// </summary>
internal sealed class WebhookService(WebhookPathConfig config, BridgeSession session, ILogger log, TimeProvider time)
    : BridgeService(config, session, log, time)
{
    // Twisted's Headers special-cases these names; the rest capitalise each dash-separated word.
    private static readonly Dictionary<string, string> CaseMappings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["content-md5"] = "Content-MD5", ["dnt"] = "DNT", ["etag"] = "ETag", ["p3p"] = "P3P", ["te"] = "TE",
        ["www-authenticate"] = "WWW-Authenticate", ["x-xss-protection"] = "X-XSS-Protection",
    };

    protected override string Kind => "webhook";
    protected override bool DecodeJson => false;

    protected override async Task ProcessAsync(HttpContext context, BridgeRequest request, CancellationToken ct)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, values) in context.Request.Headers)
        {
            var canonical = CanonicalName(name);
            if (headers.TryGetValue(canonical, out var existing)) ((List<object?>)existing!).AddRange(values.Select(v => (object?)v));
            else headers[canonical] = values.Select(v => (object?)v).ToList();
        }
        var message = new Dictionary<string, object?> { ["headers"] = headers, ["body"] = request.Text };

        WampSession? wamp = null;
        try
        {
            wamp = await Session.GetAsync(ct).ConfigureAwait(false);
            await wamp.PublishAsync(config.Topic, [message], options: new PublishOptions { Acknowledge = true }, cancellationToken: ct)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            Log.WebhookFailed(context.Connection.RemoteIpAddress, config.Topic, e.Message,
                e is WampException { Error: "wamp.error.not_authorized" } ? $" (session realm={Session.Realm} role={Session.Role})" : "");
            await WriteAsync(context, 500, System.Text.Encoding.UTF8.GetBytes(config.ErrorResponse)).ConfigureAwait(false);
            return;
        }
        Trace(context, 202, $"webhook published to {config.Topic}");
        await WriteAsync(context, 202, System.Text.Encoding.UTF8.GetBytes(config.SuccessResponse)).ConfigureAwait(false);
    }

    internal static string CanonicalName(string name)
        => CaseMappings.TryGetValue(name, out var mapped) ? mapped
            : string.Join('-', name.Split('-').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..].ToLowerInvariant()));
}
