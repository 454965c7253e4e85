using System.Text.Json;
using PluginHost.Components;

namespace PluginHost.Tests.Components;

/// <summary>JSON (a component's "extra") in the WAMP value model: integers stay integers.</summary>
public sealed class ValueConverterTests
{
    [Fact]
    public void JsonNumbersKeepTheirKind()
    {
        var value = ValueConverter.FromJson(JsonDocument.Parse("""{"i": 42, "big": 18446744073709551615, "f": 1.5, "list": [1, "a", null, true]}""").RootElement);

        var d = Assert.IsType<Dictionary<string, object?>>(value);
        Assert.IsType<long>(d["i"]);
        Assert.Equal(42L, d["i"]);
        Assert.Equal(ulong.MaxValue, d["big"]);
        Assert.Equal(1.5, d["f"]);
        Assert.Equal([1L, "a", null, true], Assert.IsType<List<object?>>(d["list"]));
    }
}
