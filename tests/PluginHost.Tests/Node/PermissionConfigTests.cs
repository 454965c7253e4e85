using PluginHost.Wamp.Router;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

public class PermissionConfigTests
{
    private static PermissionConfig Single(string permission)
    {
        var realm = $$"""[{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{{permission}}]}]}]""";
        return Assert.Single(Parse(RouterWorker(realms: realm)).FirstRouter().Realms[0].Config.Roles[0].Permissions);
    }

    [Theory]
    [InlineData("*", "", UriMatch.Prefix)]
    [InlineData("com.example.*", "com.example.", UriMatch.Prefix)]
    [InlineData("com..add", "com..add", UriMatch.Wildcard)]
    [InlineData("com.example.add", "com.example.add", UriMatch.Exact)]
    [InlineData("", "", UriMatch.Prefix)]
    public void MatchIsInferredFromTheUriWhenAbsent(string uri, string expectedUri, UriMatch expected)
    {
        var p = Single($$$"""{"uri": "{{{uri}}}", "allow": {"call": true}}""");
        Assert.Equal(expectedUri, p.Uri);
        Assert.Equal(expected, p.Match);
    }

    [Fact]
    public void ExplicitMatchWinsAndKeepsTheUri()
    {
        var p = Single("""{"uri": "com.example.", "match": "prefix", "allow": {"subscribe": true}, "disclose": {"publisher": true}, "cache": true}""");
        Assert.Equal(("com.example.", UriMatch.Prefix), (p.Uri, p.Match));
        Assert.True(p.Subscribe);
        Assert.False(p.Call || p.Register || p.Publish || p.DiscloseCaller);
        Assert.True(p.DisclosePublisher);
    }

    [Fact]
    public void OldFlatFormIsConvertedLikeCrossbarUpgrade()
    {
        var p = Single("""{"uri": "*", "publish": true, "subscribe": true, "call": true}""");
        Assert.Equal(("", UriMatch.Prefix), (p.Uri, p.Match));
        Assert.True(p.Publish && p.Subscribe && p.Call);
        Assert.False(p.Register); // missing flags are false
        Assert.False(p.DiscloseCaller || p.DisclosePublisher);
    }

    [Fact]
    public void FlatFormRejectsCurrentFormKeys()
    {
        var realm = """[{"name": "realm1", "roles": [{"name": "r1", "permissions": [{"uri": "*", "publish": true, "allow": {}}]}]}]""";
        Assert.Equal("workers[0].realms[0].roles[0].permissions[0].allow", Fail(RouterWorker(realms: realm)).Path);
    }

    [Fact]
    public void UnknownAllowActionIsAnError()
    {
        var realm = """[{"name": "realm1", "roles": [{"name": "r1", "permissions": [{"uri": "a", "allow": {"cal": true}}]}]}]""";
        Assert.Equal("workers[0].realms[0].roles[0].permissions[0].allow.cal", Fail(RouterWorker(realms: realm)).Path);
    }

    [Fact]
    public void BadMatchValueIsAnError()
    {
        var realm = """[{"name": "realm1", "roles": [{"name": "r1", "permissions": [{"uri": "a", "match": "regex"}]}]}]""";
        Assert.Equal("workers[0].realms[0].roles[0].permissions[0].match", Fail(RouterWorker(realms: realm)).Path);
    }

    [Fact]
    public void RoleOptionsAndRealmDefaults()
    {
        var realm = """[{"name": "realm1", "roles": [{"name": "r1", "allow-by-default": true}]}]""";
        var config = Parse(RouterWorker(realms: realm)).FirstRouter().Realms[0].Config;
        Assert.True(config.Roles[0].AllowByDefault);
        Assert.Equal(UriCheckMode.Loose, config.UriCheck); // ours; Crossbar's is strict
        Assert.True(config.EnableMetaApi);
    }

    [Fact]
    public void RealmOptionsAreMapped()
    {
        var realm = """[{"name": "realm1", "options": {"uri_check": "loose", "enable_meta_api": false}}]""";
        var config = Parse(RouterWorker(realms: realm)).FirstRouter().Realms[0].Config;
        Assert.Equal(UriCheckMode.Loose, config.UriCheck);
        Assert.False(config.EnableMetaApi);
    }

    [Fact]
    public void DynamicAuthorizerMustBeAProcedureUriWithoutPermissions()
    {
        var bad = """[{"name": "realm1", "roles": [{"name": "r1", "authorizer": "bad uri"}]}]""";
        Assert.Equal("workers[0].realms[0].roles[0].authorizer", Fail(RouterWorker(realms: bad)).Path);
        var both = """[{"name": "realm1", "roles": [{"name": "r1", "authorizer": "com.a", "allow-by-default": true}]}]""";
        Assert.Equal("workers[0].realms[0].roles[0].allow-by-default", Fail(RouterWorker(realms: both)).Path);
    }
}
