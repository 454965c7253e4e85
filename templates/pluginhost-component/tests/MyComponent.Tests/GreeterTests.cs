using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using MyComponent;
using PluginHost.Abstractions;
using Xunit;

namespace MyComponent.Tests;

/// <summary>The component's procedures are plain methods: test them without a router.</summary>
public class GreeterTests
{
    private static Greeter Create(string extraJson = "{}") => new(new ComponentContext(
        "greeter", "realm1", ".", ".", JsonDocument.Parse(extraJson).RootElement, NullLogger.Instance,
        (json, type) => json.Deserialize(type, new JsonSerializerOptions(JsonSerializerDefaults.Web))));

    [Fact]
    public void GreetsWithTheConfiguredGreeting() =>
        Assert.Equal("Hi, Ada!", Create("""{"greeting": "Hi"}""").Greet("Ada"));

    [Fact]
    public void Adds() => Assert.Equal(5, Create().Add2(2, 3));
}
