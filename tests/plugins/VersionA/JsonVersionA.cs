using Newtonsoft.Json;
using PluginHost.Abstractions;

namespace versions;

/// <summary>Reports which Newtonsoft.Json its load context resolved.</summary>
public sealed class JsonVersionA : WampComponent
{
    private static readonly int[] Sample = [1, 2];

    [WampProcedure("test.version.a")]
    public string Version() => typeof(JsonConvert).Assembly.GetName().Version + " " + JsonConvert.SerializeObject(Sample);
}
