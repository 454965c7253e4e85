using Microsoft.AspNetCore.Http;

namespace PluginHost.Listeners;

/// <summary>What the generated web services (json, nodeinfo, health, dashboard) share: they answer at their path only.</summary>
internal static class LeafResponse
{
    /// <summary>
    /// Writes <paramref name="body"/> (<paramref name="contentType"/>, <paramref name="status"/>) when the request is for
    /// the service's path itself; anything below it gets 404. HEAD gets the headers only. Live answers (<paramref name="live"/>)
    /// say they must not be cached.
    /// </summary>
    public static Task WriteAsync(HttpContext context, string contentType, byte[] body, int status = StatusCodes.Status200OK, bool live = true)
    {
        if (context.Request.Path.Value is not ("" or "/"))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        if (live) context.Response.Headers.CacheControl = "no-store";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(body).AsTask();
    }
}
