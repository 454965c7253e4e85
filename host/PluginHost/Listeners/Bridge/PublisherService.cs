using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Client;

namespace PluginHost.Listeners.Bridge;

/// <summary>
/// HTTP bridge publisher (Crossbar's PublisherResource): a POST/PUT of {"topic", "args", "kwargs", "options"}
/// publishes with acknowledgement and answers 200 {"id": publication id}. Of the options, exclude and eligible
/// (session id lists) are passed on, as in Crossbar. A WAMP error (not authorized, invalid URI, ...) is
/// 200 {"error", "args", "kwargs"}; a missing topic is 400; a topic, args, kwargs or option of the wrong type is 500.
/// </summary>
internal sealed class PublisherService(PublisherPathConfig config, BridgeSession session, ILogger log, TimeProvider time)
    : BridgeService(config, session, log, time)
{
    protected override string Kind => "publisher";

    protected override async Task ProcessAsync(HttpContext context, BridgeRequest request, CancellationToken ct)
    {
        var json = request.Json!.Value;
        if (!json.TryGetProperty("topic", out var topicValue))
        {
            await DenyAsync(context, new BridgeDenial(400, "Request body was valid JSON, but not well formed (missing key 'topic')."));
            return;
        }
        // Autobahn asserts these before publishing; Crossbar answers such assertion failures 500.
        var topic = topicValue.ValueKind == JsonValueKind.String ? topicValue.GetString()! : throw new ArgumentException("'topic' must be a string");
        var (args, kwargs) = Payload(json);
        var options = Truthy(json, "options") is { } o
            ? o.ValueKind == JsonValueKind.Object ? o : throw new ArgumentException("'options' must be a dict")
            : default;
        var publishOptions = new PublishOptions
        {
            Acknowledge = true,
            Exclude = SessionIds(options, "exclude"),
            Eligible = SessionIds(options, "eligible"),
        };

        var wamp = await Session.GetAsync(ct).ConfigureAwait(false);
        long? id;
        try
        {
            id = await wamp.PublishAsync(topic, args.Count > 0 ? args : null, kwargs.Count > 0 ? kwargs : null, publishOptions, ct)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await FailAsync(context, e, wamp).ConfigureAwait(false);
            return;
        }
        Trace(context, 200, $"published to {topic}");
        await WriteAsync(context, 200, BridgeJson.Serialize(new Dictionary<string, object?> { ["id"] = id })).ConfigureAwait(false);
    }

    private static List<long>? SessionIds(JsonElement options, string name)
    {
        if (options.ValueKind != JsonValueKind.Object || !options.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Array) throw new ArgumentException($"options.{name} must be a list of session IDs");
        return v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out var l)
            ? l : throw new ArgumentException($"options.{name} must be a list of session IDs")).ToList();
    }
}
