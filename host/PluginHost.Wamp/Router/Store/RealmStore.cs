using System.Buffers;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Wamp.Router.Store;

// ---------------------------------------------------------------------------------------------
// PERSISTENT REALM STORE: DESIGN (who owns what)
//
// Why SQLite (Microsoft.Data.Sqlite): one file, transactional, crash-safe in WAL mode, maintained by
// Microsoft for .NET with native binaries for every platform we ship, and readable with the sqlite3 tool
// when something has to be inspected. LMDB (Crossbar's choice) has no equally well-kept .NET binding and
// needs a fixed map size; history and retention are small, append-and-trim workloads SQLite handles well.
//
// Memory stays the read model: the realm loop keeps reading EventLog / Retention in memory exactly as with
// the memory store (no disk read on the loop, ever). The SQLite file is the durable copy: loaded once when
// the realm starts (on the thread that creates the realm, before its loop runs), then written behind.
//
// Ownership:
//  - The realm loop OWNS the in-memory history and retention. For each change it enqueues an immutable
//    write (StoreWrite) with a non-blocking TryWrite on an unbounded channel. Records and payloads are
//    never mutated after routing (the same objects are queued to subscribers), so the writer may read them.
//  - The WRITER (one dedicated long-running task per store file) OWNS the SQLite connection. It drains the
//    channel in batches (up to MaxBatch writes per transaction), serializes payloads (CBOR, as WAMP
//    EVENTs, so every WAMP value round-trips), trims each history key to its limit, commits, and only THEN
//    runs the batch's completions: posting them back to the realm loop (AfterCommit).
//  - ACKNOWLEDGED means DURABLE: in a realm with a persistent store every PUBLISHED (acknowledge=true) is a
//    completion behind the publication's own writes, so a publisher that got PUBLISHED knows the event is
//    in the file (journal_mode=WAL, synchronous=FULL: the commit is fsynced; it survives kill -9 and power
//    loss). Publications without acknowledge are written as soon as the writer gets to them: a crash may
//    lose the last unacknowledged ones, never corrupt the file (SQLite's transactions).
//  - Cookies (Store/CookieStore.cs) use the same file format through their own store instance.
// ---------------------------------------------------------------------------------------------

/// <summary>One queued change; applied by the writer inside a transaction.</summary>
internal abstract record StoreWrite;

internal sealed record HistoryWrite(string Uri, UriMatch Match, int Limit, HistoryRecord Record) : StoreWrite;

/// <summary>The whole retained list of one topic after a change (at most 17 events): replaces what the file had.</summary>
internal sealed record RetainedWrite(string Topic, RetainedEvent[] Events) : StoreWrite;

internal sealed record CookieWrite(CookieRecord Cookie) : StoreWrite;

internal sealed record CookieDelete(string Id) : StoreWrite;

/// <summary>The writes of one publication (history rows, retained list): always in the same transaction, so a crash keeps
/// all of them or none (the retained event is never newer than the history).</summary>
internal sealed record AtomicWrite(IReadOnlyList<StoreWrite> Parts) : StoreWrite;

/// <summary>Runs after every earlier write is committed (e.g. releases a PUBLISHED).</summary>
internal sealed record Completion(Action OnCommitted) : StoreWrite;

/// <summary>A persistent store file (SQLite): history, retained events and cookies. Thread-safe to enqueue.</summary>
internal sealed class RealmStore : IAsyncDisposable
{
    internal const int MaxBatch = 512;

    private readonly SqliteConnection _db;
    private readonly System.Threading.Channels.Channel<StoreWrite> _writes =
        System.Threading.Channels.Channel.CreateUnbounded<StoreWrite>(new() { SingleReader = true });
    private readonly Task _writer;
    private readonly ILogger _log;

    public string Path { get; }

    private RealmStore(string path, SqliteConnection db, ILogger log)
    {
        Path = path;
        _db = db;
        _log = log;
        _writer = Task.Factory.StartNew(WriteLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Opens (creating if needed) the store file. Throws <see cref="RealmStoreException"/> naming the file on failure.</summary>
    public static RealmStore Open(string path, ILogger log)
    {
        SqliteConnection? db = null;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            db.Open();
            Exec(db, """
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                PRAGMA busy_timeout=5000;
                CREATE TABLE IF NOT EXISTS history(id INTEGER PRIMARY KEY AUTOINCREMENT, uri TEXT NOT NULL, match INTEGER NOT NULL,
                    ts INTEGER NOT NULL, topic TEXT NOT NULL, publication INTEGER NOT NULL, filter TEXT, event BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS history_key ON history(uri, match, id);
                CREATE TABLE IF NOT EXISTS retained(seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, publication INTEGER NOT NULL,
                    filter TEXT, event BLOB NOT NULL);
                CREATE INDEX IF NOT EXISTS retained_topic ON retained(topic);
                CREATE TABLE IF NOT EXISTS cookies(id TEXT PRIMARY KEY, created INTEGER NOT NULL, expires INTEGER NOT NULL,
                    authid TEXT, authrole TEXT, authmethod TEXT, authrealm TEXT);
                """);
            using (var check = db.CreateCommand())
            {
                check.CommandText = "PRAGMA quick_check;";
                if (check.ExecuteScalar() as string is { } r && r != "ok") throw new RealmStoreException($"store file {path} is damaged: {r}");
            }
            return new RealmStore(path, db, log);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or RealmStoreException)
        {
            db?.Dispose();
            if (e is RealmStoreException) throw;
            throw new RealmStoreException($"cannot open store file {path}: {e.Message}", e);
        }
    }

    /// <summary>Queues a change. Never blocks (the realm loop calls it). Ignored once the store is closing.</summary>
    public void Enqueue(StoreWrite write)
    {
        if (!_writes.Writer.TryWrite(write) && write is Completion c) c.OnCommitted(); // closing: nothing more will be written
    }

    // ----- loading (realm start, before the loop runs) -----

    /// <summary>The newest <paramref name="limit"/> history records of one event-history entry, oldest first.</summary>
    public List<HistoryRecord> LoadHistory(string uri, UriMatch match, int limit)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT ts, topic, publication, filter, event FROM history WHERE uri=$u AND match=$m ORDER BY id DESC LIMIT $l";
        cmd.Parameters.AddWithValue("$u", uri);
        cmd.Parameters.AddWithValue("$m", (int)match);
        cmd.Parameters.AddWithValue("$l", limit);
        var result = new List<HistoryRecord>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var e = ReadEvent(r, 4);
            result.Add(new HistoryRecord(new DateTime(r.GetInt64(0) * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc), r.GetString(1), r.GetInt64(2),
                ReadFilter(r, 3), e.Details.Count == 0 ? null : new Dictionary<string, object?>(e.Details), e.Arguments, e.ArgumentsKw));
        }
        result.Reverse();
        return result;
    }

    /// <summary>Every retained event, in retention order.</summary>
    public List<RetainedEvent> LoadRetained()
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT seq, topic, publication, filter, event FROM retained ORDER BY seq";
        var result = new List<RetainedEvent>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var e = ReadEvent(r, 4);
            result.Add(new RetainedEvent(r.GetInt64(0), r.GetString(1), r.GetInt64(2), ReadFilter(r, 3),
                new Dictionary<string, object?>(e.Details), e.Arguments, e.ArgumentsKw));
        }
        return result;
    }

    /// <summary>Unexpired cookies (expired ones are deleted on the way).</summary>
    public List<CookieRecord> LoadCookies(DateTime now)
    {
        Exec(_db, $"DELETE FROM cookies WHERE expires <= {ToMillis(now)};");
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT id, created, expires, authid, authrole, authmethod, authrealm FROM cookies";
        var result = new List<CookieRecord>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
            result.Add(new CookieRecord(r.GetString(0), FromMillis(r.GetInt64(1)), FromMillis(r.GetInt64(2)))
            {
                AuthId = r.IsDBNull(3) ? null : r.GetString(3),
                AuthRole = r.IsDBNull(4) ? null : r.GetString(4),
                AuthMethod = r.IsDBNull(5) ? null : r.GetString(5),
                AuthRealm = r.IsDBNull(6) ? null : r.GetString(6),
            });
        return result;
    }

    // ----- the writer -----

    private void WriteLoop()
    {
        var reader = _writes.Reader;
        var batch = new List<StoreWrite>(MaxBatch);
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var w)) batch.Add(w);
            try
            {
                Apply(batch);
            }
            catch (Exception e)
            {
                // The file stays as it was before this transaction (rolled back); the in-memory state is unaffected.
                _log.StoreWriteFailed(e, Path, batch.Count);
            }
            // Completions run after the commit, or after a failure (a PUBLISHED is then still sent: the event was routed).
            foreach (var w in batch)
                if (w is Completion c) c.OnCommitted();
        }
    }

    private void Apply(List<StoreWrite> batch)
    {
        using var tx = _db.BeginTransaction();
        var trims = new Dictionary<(string, UriMatch), int>();
        foreach (var w in batch) Apply(tx, w, trims);
        // The limit: only the newest `limit` rows of each key touched in this batch stay.
        foreach (var ((uri, match), limit) in trims)
            Insert(tx, """
                DELETE FROM history WHERE uri=$u AND match=$m AND id <=
                  (SELECT id FROM history WHERE uri=$u AND match=$m ORDER BY id DESC LIMIT 1 OFFSET $l)
                """, ("$u", uri), ("$m", (int)match), ("$l", limit));
        tx.Commit();
    }

    private void Apply(SqliteTransaction tx, StoreWrite w, Dictionary<(string, UriMatch), int> trims)
    {
            switch (w)
            {
                case AtomicWrite a:
                    foreach (var part in a.Parts) Apply(tx, part, trims);
                    break;
                case HistoryWrite h:
                    Insert(tx, "INSERT INTO history(uri, match, ts, topic, publication, filter, event) VALUES($u, $m, $ts, $t, $p, $f, $e)",
                        ("$u", h.Uri), ("$m", (int)h.Match), ("$ts", ToMillis(h.Record.Timestamp)), ("$t", h.Record.Topic), ("$p", h.Record.Publication),
                        ("$f", WriteFilter(h.Record.Filter)), ("$e", WriteEvent(h.Record.Publication, h.Record.BaseDetails, h.Record.Arguments, h.Record.ArgumentsKw)));
                    trims[(h.Uri, h.Match)] = h.Limit;
                    break;
                case RetainedWrite r:
                    Insert(tx, "DELETE FROM retained WHERE topic=$t", ("$t", r.Topic));
                    foreach (var e in r.Events)
                        Insert(tx, "INSERT INTO retained(seq, topic, publication, filter, event) VALUES($s, $t, $p, $f, $e)",
                            ("$s", e.Sequence), ("$t", e.Topic), ("$p", e.Publication), ("$f", WriteFilter(e.Filter)),
                            ("$e", WriteEvent(e.Publication, e.BaseDetails, e.Arguments, e.ArgumentsKw)));
                    break;
                case CookieWrite c:
                    Insert(tx, "INSERT OR REPLACE INTO cookies(id, created, expires, authid, authrole, authmethod, authrealm) VALUES($i, $c, $x, $a, $r, $m, $rl)",
                        ("$i", c.Cookie.Id), ("$c", ToMillis(c.Cookie.Created)), ("$x", ToMillis(c.Cookie.Expires)), ("$a", c.Cookie.AuthId),
                        ("$r", c.Cookie.AuthRole), ("$m", c.Cookie.AuthMethod), ("$rl", c.Cookie.AuthRealm));
                    break;
                case CookieDelete d:
                    Insert(tx, "DELETE FROM cookies WHERE id=$i", ("$i", d.Id));
                    break;
            }
    }

    private void Insert(SqliteTransaction tx, string sql, params (string Name, object? Value)[] values)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in values) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Writes everything queued so far, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        _db.Dispose();
    }

    // ----- encoding -----

    private const long StoredSubscriptionPlaceholder = 1;

    private static byte[] WriteEvent(long publication, IReadOnlyDictionary<string, object?>? details, IReadOnlyList<object?>? args,
        IReadOnlyDictionary<string, object?>? kwargs)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var d = details as Dictionary<string, object?> ?? (details is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(details));
        // The subscription id is not stored (every delivery names its own): a placeholder the strict codec accepts.
        CborWampSerializer.Instance.Serialize(new EventMessage(StoredSubscriptionPlaceholder, publication, d, args, kwargs), buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static EventMessage ReadEvent(SqliteDataReader r, int column)
        => (EventMessage)CborWampSerializer.Instance.Deserialize(new ReadOnlySequence<byte>((byte[])r.GetValue(column)));

    private static string? WriteFilter(ReceiverFilter? filter)
        => filter is null ? null : JsonSerializer.Serialize(filter.AuthLists());

    private static ReceiverFilter? ReadFilter(SqliteDataReader r, int column)
    {
        if (r.IsDBNull(column)) return null;
        var lists = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(r.GetString(column))!;
        return new ReceiverFilter(null, lists.ToDictionary(p => p.Key, p => (object?)p.Value));
    }

    internal static long ToMillis(DateTime t) => t.Ticks / TimeSpan.TicksPerMillisecond;
    internal static DateTime FromMillis(long ms) => new(ms * TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);

    private static void Exec(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

/// <summary>A store file cannot be opened or is damaged: the message names the file.</summary>
public sealed class RealmStoreException(string message, Exception? inner = null) : Exception(message, inner);
