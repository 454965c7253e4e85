using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

public sealed class AuthorizerUnitTests
{
    private static Authorizer For(params PermissionConfig[] permissions)
        => new(new RealmConfig { Name = "r", Roles = [new RoleConfig { Name = "user", Permissions = permissions }] });

    [Fact]
    public void Exact_beats_prefix_and_wildcard()
    {
        var a = For(
            new PermissionConfig { Uri = "com.app", Match = UriMatch.Prefix, Call = true },
            new PermissionConfig { Uri = "com..get", Match = UriMatch.Wildcard, Call = true },
            new PermissionConfig { Uri = "com.app.get", Match = UriMatch.Exact, Call = false });
        Assert.False(a.Authorize("user", WampAction.Call, "com.app.get").Allowed);
        Assert.True(a.Authorize("user", WampAction.Call, "com.app.put").Allowed);
    }

    [Fact]
    public void Longest_prefix_wins()
    {
        var a = For(
            new PermissionConfig { Uri = "com.app.admin", Match = UriMatch.Prefix, Publish = false, Subscribe = true },
            new PermissionConfig { Uri = "com.app", Match = UriMatch.Prefix, Publish = true, Subscribe = true });
        Assert.True(a.Authorize("user", WampAction.Publish, "com.app.news").Allowed);
        Assert.False(a.Authorize("user", WampAction.Publish, "com.app.admin.reset").Allowed);
        Assert.True(a.Authorize("user", WampAction.Subscribe, "com.app.admin.reset").Allowed);
    }

    [Fact]
    public void Prefix_beats_wildcard_and_more_specific_wildcard_wins()
    {
        var a = For(
            new PermissionConfig { Uri = "com..get", Match = UriMatch.Wildcard, Call = true },
            new PermissionConfig { Uri = "com.secret.", Match = UriMatch.Prefix, Call = false },
            new PermissionConfig { Uri = "..get", Match = UriMatch.Wildcard, Call = false });
        Assert.True(a.Authorize("user", WampAction.Call, "com.public.get").Allowed);
        Assert.False(a.Authorize("user", WampAction.Call, "com.secret.get").Allowed); // prefix first
        Assert.False(a.Authorize("user", WampAction.Call, "org.public.get").Allowed); // only "..get" matches
        Assert.False(a.Authorize("user", WampAction.Call, "com.public.get.x").Allowed); // component count differs: no match, deny by default
    }

    [Fact]
    public void Empty_prefix_matches_everything_and_allow_by_default_applies_when_nothing_matches()
    {
        var all = For(new PermissionConfig { Uri = "", Match = UriMatch.Prefix, Subscribe = true });
        Assert.True(all.Authorize("user", WampAction.Subscribe, "any.thing").Allowed);
        Assert.False(all.Authorize("user", WampAction.Publish, "any.thing").Allowed);

        var lax = new Authorizer(new RealmConfig { Name = "r", Roles = [new RoleConfig { Name = "user", AllowByDefault = true }] });
        Assert.True(lax.Authorize("user", WampAction.Register, "x").Allowed);
        Assert.False(lax.Authorize("other", WampAction.Register, "x").Allowed);
        Assert.False(lax.RoleExists("other"));
    }

    [Fact]
    public void Realm_without_roles_allows_everything()
    {
        var open = new Authorizer(new RealmConfig { Name = "r" });
        Assert.True(open.RoleExists("anyone"));
        Assert.True(open.Authorize("anyone", WampAction.Call, "x.y").Allowed);
    }

    [Fact]
    public void Disclose_flags_come_from_the_matching_permission()
    {
        var a = For(new PermissionConfig { Uri = "com", Match = UriMatch.Prefix, Call = true, Publish = true, DiscloseCaller = true });
        Assert.True(a.Authorize("user", WampAction.Call, "com.x").Disclose);
        Assert.False(a.Authorize("user", WampAction.Publish, "com.x").Disclose);
    }
}

public sealed class UriValidatorTests
{
    [Theory]
    [InlineData("com.app.topic", UriCheckMode.Strict, true)]
    [InlineData("com.App.topic", UriCheckMode.Strict, false)]
    [InlineData("com.App-x.topic", UriCheckMode.Loose, true)]
    [InlineData("com..topic", UriCheckMode.Loose, false)]
    [InlineData("com.a b", UriCheckMode.Loose, false)]
    [InlineData("com.a#b", UriCheckMode.Loose, false)]
    [InlineData("", UriCheckMode.Loose, false)]
    [InlineData(".com", UriCheckMode.Loose, false)]
    [InlineData("com.", UriCheckMode.Loose, false)]
    [InlineData("com.app\n", UriCheckMode.Loose, false)]          // a trailing newline is whitespace too
    [InlineData("com.a\u00a0b", UriCheckMode.Loose, false)]       // so is a no-break space
    [InlineData("com.\u00e9t\u00e9.x", UriCheckMode.Loose, true)] // any other character is fine in loose mode
    [InlineData("com.my_app2.x9", UriCheckMode.Strict, true)]
    [InlineData("com.my-app.x", UriCheckMode.Strict, false)]
    [InlineData("a", UriCheckMode.Strict, true)]
    public void Concrete_uris(string uri, UriCheckMode mode, bool valid) => Assert.Equal(valid, UriValidator.IsValid(uri, mode));

    [Theory]
    [InlineData("com..get", UriMatch.Wildcard, true)]
    [InlineData("..", UriMatch.Wildcard, true)]
    [InlineData("com..get", UriMatch.Exact, false)]
    [InlineData("com.app.", UriMatch.Prefix, true)]
    [InlineData("com.app", UriMatch.Prefix, true)]
    [InlineData(".", UriMatch.Wildcard, true)]
    [InlineData("com.a b.", UriMatch.Wildcard, false)]
    [InlineData("com..", UriMatch.Prefix, false)]
    public void Patterns(string uri, UriMatch match, bool valid) => Assert.Equal(valid, UriValidator.IsValidPattern(uri, match, UriCheckMode.Loose));

    [Fact]
    public void Wildcard_matching_and_precedence()
    {
        Assert.True(UriMatcher.WildcardMatches("a1.b2..d4", "a1.b2.c3.d4"));
        Assert.False(UriMatcher.WildcardMatches("a1.b2..d4", "a1.b2.c3.d4.e5"));
        Assert.False(UriMatcher.WildcardMatches("a1.b2..d4", "a1.b2.c3"));
        // spec examples: a1.b2.c3..e5 beats a1.b2..d4.e5; a1.b2..d4.e5..g7 beats a1.b2..d4..f6.g7
        Assert.True(UriMatcher.CompareWildcardSpecificity("a1.b2.c3..e5", "a1.b2..d4.e5") > 0);
        Assert.True(UriMatcher.CompareWildcardSpecificity("a1.b2..d4.e5..g7", "a1.b2..d4..f6.g7") > 0);
    }
}

public sealed class AuthorizationTests : RouterTestBase
{
    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig
        {
            Name = "app",
            Roles =
            [
                new RoleConfig
                {
                    Name = "anonymous",
                    Permissions =
                    [
                        new PermissionConfig { Uri = "com.app", Match = UriMatch.Prefix, Call = true, Register = true, Publish = true, Subscribe = true },
                        new PermissionConfig { Uri = "com.app.admin", Match = UriMatch.Prefix },
                        new PermissionConfig { Uri = "com.app.admin.status", Subscribe = true },
                        new PermissionConfig { Uri = "com..ping", Match = UriMatch.Wildcard, Call = true, Register = true },
                        new PermissionConfig { Uri = "wamp.session.count", Call = true },
                    ],
                },
            ],
        },
    ];

    [Fact]
    public async Task Allowed_actions_succeed()
    {
        var c = await JoinAsync("app");
        await c.SubscribeAsync("com.app.news");
        await c.PublishAckAsync("com.app.news");
        await c.RegisterAsync("com.app.add");
        await c.RegisterAsync("com.other.ping"); // wildcard
        await c.SubscribeAsync("com.app.admin.status"); // exact beats the denying prefix
        Assert.Equal(1L, (await c.CallResultAsync("wamp.session.count")).Arguments![0]);
    }

    [Fact]
    public async Task Denied_actions_get_not_authorized()
    {
        var c = await JoinAsync("app");
        long req;

        req = c.NextRequestId();
        await c.SendAsync(new SubscribeMessage(req, Dict(), "com.app.admin.users")); // longer prefix denies
        await c.ExpectErrorAsync(WampMessageType.Subscribe, req, WampErrors.NotAuthorized);

        req = c.NextRequestId();
        await c.SendAsync(new PublishMessage(req, Dict(("acknowledge", true)), "org.app.news")); // nothing matches, deny by default
        await c.ExpectErrorAsync(WampMessageType.Publish, req, WampErrors.NotAuthorized);

        req = c.NextRequestId();
        await c.SendAsync(new RegisterMessage(req, Dict(), "com.other.pong"));
        await c.ExpectErrorAsync(WampMessageType.Register, req, WampErrors.NotAuthorized);

        req = c.NextRequestId();
        await c.SendAsync(new CallMessage(req, Dict(), "com.app.admin.reset"));
        await c.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NotAuthorized);

        req = c.NextRequestId();
        await c.SendAsync(new CallMessage(req, Dict(), "wamp.session.list"));
        await c.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NotAuthorized);

        // denied publish without acknowledge: silently dropped
        await c.SendAsync(new PublishMessage(c.NextRequestId(), Dict(), "org.app.news"));
        await c.AssertNothingPendingAsync();
    }
}
