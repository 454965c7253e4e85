using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Client;

namespace PluginHost.Listeners.Bridge;

/// <summary>
/// What the bridge services share (Crossbar's _CommonResource): CORS and no-cache headers on every answer,
/// POST and PUT do the work, OPTIONS answers the allowed methods, anything else is 405; then the request
/// checks of <see cref="BridgeRequest"/> and the service's WAMP action. The service answers below its path too.
/// </summary>
internal abstract class BridgeService(BridgePathConfig config, BridgeSession session, ILogger log, TimeProvider time)
{
    protected BridgeSession Session => session;
    protected ILogger Log => log;
    protected abstract string Kind { get; }
    protected virtual bool DecodeJson => true;

    public async Task HandleAsync(HttpContext context)
    {
        SetCommonHeaders(context);
        var method = context.Request.Method;
        var ct = context.RequestAborted;
        try
        {
            if (HttpMethods.IsOptions(method))
            {
                context.Response.Headers.Allow = "POST,PUT,OPTIONS";
                context.Response.Headers.AccessControlAllowMethods = "POST,PUT,OPTIONS";
                context.Response.StatusCode = StatusCodes.Status200OK;
                return;
            }
            if (!HttpMethods.IsPost(method) && !HttpMethods.IsPut(method))
            {
                await DenyAsync(context, new BridgeDenial(405, $"Method not accepted by the REST bridge. ({method} not allowed, only POST, PUT)"));
                return;
            }
            var (request, denial) = await BridgeRequest.ReadAsync(context, config.Options, DecodeJson, time, ct).ConfigureAwait(false);
            if (denial is not null)
            {
                await DenyAsync(context, denial).ConfigureAwait(false);
                return;
            }
            await ProcessAsync(context, request!, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client went away
        }
        catch (Exception e)
        {
            log.BridgeUnhandled(e, Kind, context.Request.Path);
            if (!context.Response.HasStarted) await DenyAsync(context, new BridgeDenial(500, BridgeDenial.Unhandled)).ConfigureAwait(false);
        }
    }

    /// <summary>The service's WAMP action for a request that passed every check.</summary>
    protected abstract Task ProcessAsync(HttpContext context, BridgeRequest request, CancellationToken ct);

    private static void SetCommonHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        var origin = context.Request.Headers.Origin.FirstOrDefault();
        headers.AccessControlAllowOrigin = string.IsNullOrEmpty(origin) || origin == "null" ? "*" : origin;
        headers.AccessControlAllowCredentials = "true";
        headers.CacheControl = "no-store,no-cache,must-revalidate,max-age=0";
        headers.ContentType = "application/json; charset=UTF-8"; // on every answer, webhook texts included (as Crossbar)
        if (context.Request.Headers.AccessControlRequestHeaders is { Count: > 0 } requested)
            headers.AccessControlAllowHeaders = requested;
    }

    protected Task DenyAsync(HttpContext context, BridgeDenial denial)
    {
        Trace(context, denial.Status, denial.Message);
        return WriteAsync(context, denial.Status, BridgeJson.Error(denial.Message));
    }

    /// <summary>
    /// A failed WAMP action (Crossbar's _fail_request): a WAMP error while the session is up is the application's
    /// answer, 200 with its URI and payload; anything else (the session ended, a bad value) is 500 runtime_error.
    /// </summary>
    protected Task FailAsync(HttpContext context, Exception e, WampSession? wamp)
    {
        if (e is WampException w && wamp is { IsOpen: true })
        {
            Trace(context, 200, w.Message);
            return WriteAsync(context, 200, BridgeJson.Error(w.Error, w.Args, w.ArgsKw));
        }
        log.BridgeFailed(e, Kind, context.Request.Path, session.Realm);
        return WriteAsync(context, 500, BridgeJson.Error("wamp.error.runtime_error", ["Sorry, Crossbar.io has encountered a problem."]));
    }

    protected void Trace(HttpContext context, int status, string outcome)
        => log.BridgeRequest(config.Options.Debug ? LogLevel.Information : LogLevel.Debug, Kind, context.Request.Method, context.Request.Path,
            context.Connection.RemoteIpAddress, status, outcome);

    protected static Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>A member of the request object treated as Crossbar does: absent, null or empty (falsy) gives null.</summary>
    protected static JsonElement? Truthy(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.False => null,
            JsonValueKind.Array when v.GetArrayLength() == 0 => null,
            JsonValueKind.Object when !v.EnumerateObject().Any() => null,
            JsonValueKind.String when v.GetString()!.Length == 0 => null,
            JsonValueKind.Number when v.GetDouble() == 0 => null,
            _ => v,
        };
    }

    /// <summary>args and kwargs of the request object in the value model; a wrong shape is an <see cref="ArgumentException"/>.</summary>
    protected static (List<object?> Args, Dictionary<string, object?> Kwargs) Payload(JsonElement obj)
    {
        var args = Truthy(obj, "args") is { } a
            ? a.ValueKind == JsonValueKind.Array ? (List<object?>)BridgeJson.ToValue(a)! : throw new ArgumentException("'args' must be a list")
            : [];
        var kwargs = Truthy(obj, "kwargs") is { } k
            ? k.ValueKind == JsonValueKind.Object ? (Dictionary<string, object?>)BridgeJson.ToValue(k)! : throw new ArgumentException("'kwargs' must be a dict")
            : new Dictionary<string, object?>();
        return (args, kwargs);
    }
}
