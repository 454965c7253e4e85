using PluginHost.Wamp.Messages;

namespace PluginHost.Tests.Serialization;

/// <summary>The WAMP option vocabulary: every enum value has one wire name, which parses back to it; anything else is refused.</summary>
public class WampOptionNamesTests
{
    private static Dictionary<string, object?> Options(string key, object? value) => new() { [key] = value };

    [Fact]
    public void Every_match_policy_round_trips_through_its_wire_name()
    {
        foreach (var match in Enum.GetValues<UriMatch>())
        {
            Assert.True(WampOptionNames.TryParseMatch(Options("match", WampOptionNames.Of(match)), out var parsed));
            Assert.Equal(match, parsed);
        }
        Assert.Equal(["exact", "prefix", "wildcard"], Enum.GetValues<UriMatch>().Select(WampOptionNames.Of));
    }

    [Fact]
    public void Every_invocation_policy_round_trips_through_its_wire_name()
    {
        foreach (var policy in Enum.GetValues<InvokePolicy>())
        {
            Assert.True(WampOptionNames.TryParseInvoke(Options("invoke", WampOptionNames.Of(policy)), out var parsed));
            Assert.Equal(policy, parsed);
        }
        Assert.Equal(["single", "roundrobin", "random", "first", "last"], Enum.GetValues<InvokePolicy>().Select(WampOptionNames.Of));
    }

    [Fact]
    public void Every_cancel_mode_round_trips_through_its_wire_name()
    {
        foreach (var mode in Enum.GetValues<CancelMode>())
        {
            Assert.True(WampOptionNames.TryParseCancel(Options("mode", WampOptionNames.Of(mode)), CancelMode.Skip, out var parsed));
            Assert.Equal(mode, parsed);
        }
        Assert.Equal(["skip", "kill", "killnowait"], Enum.GetValues<CancelMode>().Select(WampOptionNames.Of));
    }

    [Fact]
    public void Absent_options_take_the_spec_defaults()
    {
        Assert.True(WampOptionNames.TryParseMatch(new Dictionary<string, object?>(), out var match));
        Assert.Equal(UriMatch.Exact, match);
        Assert.True(WampOptionNames.TryParseInvoke(new Dictionary<string, object?>(), out var policy));
        Assert.Equal(InvokePolicy.Single, policy);
        Assert.True(WampOptionNames.TryParseCancel(new Dictionary<string, object?>(), CancelMode.KillNoWait, out var mode));
        Assert.Equal(CancelMode.KillNoWait, mode);
    }

    [Theory]
    [InlineData("Prefix")]
    [InlineData("regex")]
    [InlineData(3L)]
    public void Unknown_or_mistyped_values_are_refused(object value)
    {
        Assert.False(WampOptionNames.TryParseMatch(Options("match", value), out _));
        Assert.False(WampOptionNames.TryParseInvoke(Options("invoke", value), out _));
        Assert.False(WampOptionNames.TryParseCancel(Options("mode", value), CancelMode.Kill, out _));
    }
}
