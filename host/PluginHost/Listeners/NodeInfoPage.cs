using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace PluginHost.Listeners;

/// <summary>
/// The "nodeinfo" web service: a small HTML page saying what answers here (product and version, runtime,
/// host, worker process and its uptime), like Crossbar's node info page. Nothing secret: no config, no paths.
/// </summary>
internal static class NodeInfoPage
{
    public static Task ServeAsync(HttpContext context)
        => LeafResponse.WriteAsync(context, "text/html; charset=utf-8", Encoding.UTF8.GetBytes(Render(DateTime.Now - Process.GetCurrentProcess().StartTime)));

    internal static string Render(TimeSpan uptime)
    {
        string E(string s) => WebUtility.HtmlEncode(s);
        var version = typeof(NodeInfoPage).Assembly.GetName().Version?.ToString(3) ?? "?";
        var rows = new (string, string)[]
        {
            ("Product", $"PluginHost {version}"),
            ("Runtime", $".NET {Environment.Version} ({RuntimeInformation.OSDescription})"),
            ("Host", Environment.MachineName),
            ("Router worker PID", Environment.ProcessId.ToString()),
            ("Up for", $"{(int)uptime.TotalHours} h {uptime.Minutes} min {uptime.Seconds} s"),
        };
        var html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>PluginHost node</title></head>\n<body>\n<h1>PluginHost node</h1>\n<table>\n");
        foreach (var (name, value) in rows) html.Append($"<tr><th align=\"left\">{E(name)}</th><td>{E(value)}</td></tr>\n");
        return html.Append("</table>\n</body></html>\n").ToString();
    }
}
