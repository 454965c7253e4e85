using PluginHost.Wamp.Router;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

/// <summary>The realm <c>store</c> (Crossbar's keys): event history entries, defaults, and every bad value named by its path.</summary>
public class RealmStoreConfigTests
{
    private static string WithStore(string store) => RouterWorker(realms: $$"""[{"name": "realm1", "store": {{store}}}]""");

    private static RealmConfig Realm(string store) => Parse(WithStore(store)).FirstRouter().Realms[0].Config;

    [Fact]
    public void Event_history_entries_with_Crossbar_defaults()
    {
        var config = Realm("""{"type": "memory", "limit": 7, "event-history": [{"uri": "com.a.b"}, {"uri": "com.p.", "match": "prefix", "limit": 1000}, {"uri": "com..x", "match": "wildcard"}]}""");
        Assert.Equal(
            [new EventHistoryConfig("com.a.b", UriMatch.Exact, 7), new EventHistoryConfig("com.p.", UriMatch.Prefix, 1000),
             new EventHistoryConfig("com..x", UriMatch.Wildcard, 7)],
            config.Store!.EventHistory);
    }

    [Fact]
    public void Store_limit_defaults_to_100_and_no_store_means_none()
    {
        Assert.Equal(RealmStoreConfig.DefaultLimit, Realm("""{"type": "memory", "event-history": [{"uri": "com.a"}]}""").Store!.EventHistory[0].Limit);
        Assert.Equal(100, RealmStoreConfig.DefaultLimit);
        Assert.Empty(Realm("""{"type": "memory"}""").Store!.EventHistory);
        Assert.Null(Parse(RouterWorker()).FirstRouter().Realms[0].Config.Store);
    }

    [Fact]
    public void A_sqlite_store_names_its_file_relative_to_the_node_directory()
    {
        var config = Parse(WithStore("""{"type": "sqlite", "path": "data/realm1.sqlite", "limit": 5, "event-history": [{"uri": "com.a"}]}"""));
        var store = config.FirstRouter().Realms[0].Config.Store!;
        Assert.Equal(Path.GetFullPath(Path.Combine(Path.GetTempPath(), "data/realm1.sqlite")), store.Path);
        Assert.Equal([new EventHistoryConfig("com.a", UriMatch.Exact, 5)], store.EventHistory);
        Assert.DoesNotContain(config.Warnings, w => w.Contains("store"));
        Assert.Null(Realm("""{"type": "memory"}""").Store!.Path);
    }

    [Theory]
    [InlineData("cfxdb")]
    [InlineData("zlmdb")]
    public void Crossbar_lmdb_stores_are_served_by_a_sqlite_file_in_their_directory_with_a_warning(string type)
    {
        var config = Parse(WithStore($$"""{"type": "{{type}}", "path": ".db", "maxsize": 1048576, "event-history": [{"uri": "com.a"}]}"""));
        var store = config.FirstRouter().Realms[0].Config.Store!;
        Assert.Equal([new EventHistoryConfig("com.a", UriMatch.Exact, RealmStoreConfig.DefaultLimit)], store.EventHistory);
        Assert.Equal(Path.Combine(Path.GetFullPath(Path.Combine(Path.GetTempPath(), ".db")), "pluginhost-realm-store.sqlite"), store.Path);
        Assert.Contains(config.Warnings, w => w.StartsWith("workers[0].realms[0].store.type:") && w.Contains("SQLite") && w.Contains("maxsize"));
    }

    [Fact]
    public void Store_is_no_longer_warned_but_call_queue_is()
    {
        var config = Parse(WithStore("""{"type": "memory", "call-queue": [{"uri": "com.a", "limit": 5}]}"""));
        Assert.DoesNotContain(config.Warnings, w => w.StartsWith("workers[0].realms[0].store:"));
        Assert.Contains(config.Warnings, w => w.StartsWith("workers[0].realms[0].store.call-queue:") && w.Contains("not supported"));
    }

    [Theory]
    [InlineData("""[]""", "workers[0].realms[0].store", "expected an object")]
    [InlineData("""{}""", "workers[0].realms[0].store.type", "missing required key")]
    [InlineData("""{"type": 1}""", "workers[0].realms[0].store.type", "expected one of memory, sqlite, cfxdb, zlmdb")]
    [InlineData("""{"type": "lmdb"}""", "workers[0].realms[0].store.type", "one of memory, sqlite, cfxdb, zlmdb")]
    [InlineData("""{"type": "sqlite"}""", "workers[0].realms[0].store.path", "missing required key")]
    [InlineData("""{"type": "sqlite", "path": " "}""", "workers[0].realms[0].store.path", "empty")]
    [InlineData("""{"type": "sqlite", "path": 3}""", "workers[0].realms[0].store.path", "expected a string")]
    [InlineData("""{"type": "sqlite", "path": "."}""", "workers[0].realms[0].store.path", "is a directory")]
    [InlineData("""{"type": "sqlite", "path": "x.db", "maxsize": 1}""", "workers[0].realms[0].store.maxsize", "unknown key")]
    [InlineData("""{"type": "cfxdb"}""", "workers[0].realms[0].store.path", "missing required key")]
    [InlineData("""{"type": "memory", "path": "db"}""", "workers[0].realms[0].store.path", "unknown key")]
    [InlineData("""{"type": "memory", "limit": 0}""", "workers[0].realms[0].store.limit", "expected an integer in 1..")]
    [InlineData("""{"type": "memory", "limit": "10"}""", "workers[0].realms[0].store.limit", "expected an integer")]
    [InlineData("""{"type": "memory", "event-history": {}}""", "workers[0].realms[0].store.event-history", "expected a list")]
    [InlineData("""{"type": "memory", "event-history": ["com.a"]}""", "workers[0].realms[0].store.event-history[0]", "expected an object")]
    [InlineData("""{"type": "memory", "event-history": [{"match": "exact"}]}""", "workers[0].realms[0].store.event-history[0].uri", "missing required key")]
    [InlineData("""{"type": "memory", "event-history": [{"uri": 5}]}""", "workers[0].realms[0].store.event-history[0].uri", "expected a string")]
    [InlineData("""{"type": "memory", "event-history": [{"uri": "com.a", "match": "glob"}]}""", "workers[0].realms[0].store.event-history[0].match", "one of exact, prefix, wildcard")]
    [InlineData("""{"type": "memory", "event-history": [{"uri": "com.a", "limit": -1}]}""", "workers[0].realms[0].store.event-history[0].limit", "expected an integer in 1..")]
    [InlineData("""{"type": "memory", "event-history": [{"uri": "com.a", "topic": "x"}]}""", "workers[0].realms[0].store.event-history[0].topic", "unknown key")]
    [InlineData("""{"type": "memory", "event-history": [{"uri": "com..a"}]}""", "workers[0].realms[0].store.event-history[0].uri", "invalid topic URI")]
    [InlineData("""{"type": "memory", "event-history": [{"uri": "com a", "match": "prefix"}]}""", "workers[0].realms[0].store.event-history[0].uri", "invalid topic URI")]
    [InlineData("""{"type": "memory", "event-history": [{"uri": "com.a"}, {"uri": "com.a", "match": "exact"}]}""", "workers[0].realms[0].store.event-history[1]", "more than once")]
    [InlineData("""{"type": "memory", "call-queue": {}}""", "workers[0].realms[0].store.call-queue", "expected a list")]
    public void Bad_store_values_name_their_path(string store, string path, string message)
    {
        var e = Fail(WithStore(store));
        Assert.Equal(path, e.Path);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Strict_uri_check_applies_to_history_topics()
    {
        var e = Fail(RouterWorker(realms: """[{"name": "realm1", "options": {"uri_check": "strict"}, "store": {"type": "memory", "event-history": [{"uri": "com.myApp.x"}]}}]"""));
        Assert.Equal("workers[0].realms[0].store.event-history[0].uri", e.Path);
        Parse(RouterWorker(realms: """[{"name": "realm1", "store": {"type": "memory", "event-history": [{"uri": "com.myApp.x"}]}}]"""));
    }
}
