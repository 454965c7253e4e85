using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Client;

namespace PluginHost.Listeners.Bridge;

/// <summary>
/// HTTP bridge caller (Crossbar's CallerResource): a POST/PUT of {"procedure", "args", "kwargs"} calls the
/// procedure and answers 200 with the result the way Autobahn hands it to Crossbar: one positional result and no
/// keyword results is {"args": [value]} (no result at all is {"args": [null]}); otherwise {"args": [...]} and/or
/// {"kwargs": {...}}, each only when non-empty. A WAMP error (the callee's, no_such_procedure, not_authorized, ...)
/// is 200 {"error", "args", "kwargs"}; anything else is 500 wamp.error.runtime_error. The call is cancelled when
/// the HTTP client goes away. Request "options" are not used (Crossbar ignores them too).
/// </summary>
internal sealed class CallerService(CallerPathConfig config, BridgeSession session, ILogger log, TimeProvider time)
    : BridgeService(config, session, log, time)
{
    protected override string Kind => "caller";

    protected override async Task ProcessAsync(HttpContext context, BridgeRequest request, CancellationToken ct)
    {
        var json = request.Json!.Value;
        if (!json.TryGetProperty("procedure", out var procedureValue))
        {
            await DenyAsync(context, new BridgeDenial(400, "Request body was valid JSON, but not well formed (missing key 'procedure')."));
            return;
        }
        var wamp = await Session.GetAsync(ct).ConfigureAwait(false);
        WampResult result;
        string procedure;
        try
        {
            // In Crossbar a bad procedure or payload fails inside the call's Deferred: 500 runtime_error.
            procedure = procedureValue.ValueKind == JsonValueKind.String ? procedureValue.GetString()! : throw new ArgumentException("'procedure' must be a string");
            var (args, kwargs) = Payload(json);
            result = await wamp.CallAsync(procedure, args.Count > 0 ? args : null, kwargs.Count > 0 ? kwargs : null, cancellationToken: ct)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await FailAsync(context, e, wamp).ConfigureAwait(false);
            return;
        }
        Trace(context, 200, $"called {procedure}");
        await WriteAsync(context, 200, BridgeJson.Serialize(Answer(result))).ConfigureAwait(false);
    }

    /// <summary>Autobahn returns a lone positional result as the value itself and anything richer as a CallResult.</summary>
    internal static Dictionary<string, object?> Answer(WampResult result)
    {
        if (result.ArgsKw.Count == 0 && result.Args.Count <= 1)
            return new() { ["args"] = new List<object?> { result.Args.Count == 1 ? result.Args[0] : null } };
        var answer = new Dictionary<string, object?>();
        if (result.Args.Count > 0) answer["args"] = result.Args;
        if (result.ArgsKw.Count > 0) answer["kwargs"] = result.ArgsKw;
        return answer;
    }
}
