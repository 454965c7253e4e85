using Newtonsoft.Json;
using PluginHost.Abstractions;

namespace versions;

/// <summary>Reports which Newtonsoft.Json its load context resolved.</summary>
public sealed class JsonVersionB : WampComponent
{
    private static readonly int[] Sample = [1, 2];

    [WampProcedure("test.version.b")]
    public string Version() => typeof(JsonConvert).Assembly.GetName().Version + " " + JsonConvert.SerializeObject(Sample);
}
