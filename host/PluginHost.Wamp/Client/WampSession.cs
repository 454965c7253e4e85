using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Transport;

namespace PluginHost.Wamp.Client;

/// <summary>
/// A joined WAMP client session (caller, callee, publisher, subscriber) over any
/// <see cref="IWampConnection"/>, which it owns from JoinAsync on.
///
/// One receive loop dispatches router messages and never runs user code: handlers run on
/// the thread pool. All sends go through one bounded queue drained by a single writer task
/// that hands everything queued to one connection.SendAsync call. Every public member is
/// thread-safe. When the session ends for any reason, <see cref="Closed"/> completes and
/// every pending request fails with a <see cref="WampException"/> carrying the close reason.
/// </summary>
public sealed partial class WampSession : IAsyncDisposable
{
    private const int OutboxCapacity = 1024;
    // After the session ends, how long the writer may keep flushing the final ABORT/GOODBYE.
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private enum State { Open, Leaving, Closed }

    private readonly IWampConnection _connection;
    private readonly WampJoinOptions _options;
    private readonly ILogger _logger;
    private readonly SequentialIdGenerator _requestIds = new();
    private readonly Channel<WampMessage> _outbox = Channel.CreateBounded<WampMessage>(
        new BoundedChannelOptions(OutboxCapacity) { SingleReader = true });
    private readonly object _sendLock = new();
    private readonly ConcurrentDictionary<long, PendingRequest> _pending = new();
    private readonly TaskCompletionSource<WampCloseInfo> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _shutdown = new();
    private State _state;                 // guarded by _sendLock
    private string _leaveReason = WampCloseReasons.Normal;
    private WampCloseInfo? _closeInfo;    // set once, under _sendLock
    private WampMessage? _finalMessage;   // ABORT/GOODBYE the writer sends after the session ended
    private Task _receiveLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;

    private WampSession(IWampConnection connection, string realm, WelcomeMessage welcome, WampJoinOptions options)
    {
        _connection = connection;
        _options = options;
        _logger = options.Logger ?? NullLogger.Instance;
        Realm = realm;
        SessionId = welcome.Session;
        WelcomeDetails = welcome.Details;
        AuthId = welcome.Details.GetString("authid");
        AuthRole = welcome.Details.GetString("authrole");
        AuthMethod = welcome.Details.GetString("authmethod");
        AuthProvider = welcome.Details.GetString("authprovider");
    }

    /// <summary>The session id the router assigned (WELCOME.Session).</summary>
    public long SessionId { get; }
    /// <summary>The realm joined.</summary>
    public string Realm { get; }
    /// <summary>The authid the router assigned.</summary>
    public string? AuthId { get; }
    /// <summary>The authrole the router assigned; it decides what the session may do.</summary>
    public string? AuthRole { get; }
    /// <summary>How the session was authenticated (anonymous, ticket, wampcra, cryptosign, ...).</summary>
    public string? AuthMethod { get; }
    /// <summary>Who authenticated the session (e.g. static or dynamic).</summary>
    public string? AuthProvider { get; }

    /// <summary>WELCOME.Details as sent by the router, including its roles and features.</summary>
    public IReadOnlyDictionary<string, object?> WelcomeDetails { get; }

    /// <summary>Completes (never faults) when the session has ended, with how it ended.</summary>
    public Task<WampCloseInfo> Closed => _closed.Task;

    /// <summary>Whether the session is joined and not leaving.</summary>
    public bool IsOpen { get { lock (_sendLock) return _state == State.Open; } }

    /// <summary>Whether the router announced <paramref name="feature"/> for <paramref name="role"/> (dealer/broker).</summary>
    public bool RouterSupports(string role, string feature) => WampHello.Announces(WelcomeDetails, role, feature);

    /// <summary>
    /// Opens a session: HELLO, optional CHALLENGE/AUTHENTICATE rounds, then WELCOME.
    /// ABORT throws <see cref="WampException"/> with the router's reason and details.message.
    /// On any failure (including cancellation) the connection is closed.
    /// </summary>
    public static async Task<WampSession> JoinAsync(IWampConnection connection, string realm,
        WampJoinOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WampJoinOptions();
        try
        {
            var welcome = await HandshakeAsync(connection, realm, options, cancellationToken).ConfigureAwait(false);
            var session = new WampSession(connection, realm, welcome, options);
            // The loops live as long as the session, not as long as the join's token.
            session._receiveLoop = Task.Run(session.ReceiveLoopAsync, CancellationToken.None);
            session._writeLoop = Task.Run(session.WriteLoopAsync, CancellationToken.None);
            return session;
        }
        catch
        {
            try { await connection.CloseAsync().ConfigureAwait(false); } catch (Exception) { /* already failing */ }
            throw;
        }
    }

    private static async Task<WelcomeMessage> HandshakeAsync(IWampConnection connection, string realm,
        WampJoinOptions options, CancellationToken ct)
    {
        try
        {
            await connection.SendAsync(new HelloMessage(realm, WampHello.Details(options)), ct).ConfigureAwait(false);
            while (true)
            {
                switch (await connection.ReceiveAsync(ct).ConfigureAwait(false))
                {
                    case null:
                        throw new WampException(WampErrors.NetworkFailure, "transport closed before WELCOME");
                    case WelcomeMessage welcome:
                        if (options.Authenticator is { } authenticator && welcome.Details.GetString("authmethod") is { } method
                            && authenticator.Answers(method)
                            && authenticator.CheckWelcome(method, welcome.Details.TryGetValue("authextra", out var ae)
                                && ae is IReadOnlyDictionary<string, object?> authExtra ? authExtra : WampValue.EmptyDict()) is { } refused)
                        {
                            // Mutual authentication failed: the router is not who it claims; leave without a session.
                            await connection.CloseAsync(refused).ConfigureAwait(false);
                            throw new WampException(WampErrors.AuthenticationFailed, refused);
                        }
                        return welcome;
                    case AbortMessage abort:
                        throw new WampException(abort.Reason, abort.Details.GetString("message") is { } text ? [text] : null,
                            details: abort.Details);
                    case ChallengeMessage challenge:
                        var response = await AnswerChallengeAsync(connection, options.Authenticator, challenge, ct).ConfigureAwait(false);
                        await connection.SendAsync(new AuthenticateMessage(response.Signature,
                            response.Extra ?? WampValue.EmptyDict()), ct).ConfigureAwait(false);
                        break;
                    case var other:
                        await AbortJoinAsync(connection, WampErrors.ProtocolViolation, $"unexpected {other.Type} before WELCOME").ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (WampProtocolException e)
        {
            await AbortJoinAsync(connection, WampErrors.ProtocolViolation, e.Message).ConfigureAwait(false);
            throw; // unreachable: AbortJoinAsync throws
        }
        catch (Exception e) when (e is not WampException and not OperationCanceledException)
        {
            throw new WampException(WampErrors.NetworkFailure, e.Message, e);
        }
    }

    private static async Task<WampAuthResponse> AnswerChallengeAsync(IWampConnection connection,
        IWampAuthenticator? authenticator, ChallengeMessage challenge, CancellationToken ct)
    {
        if (authenticator is null || !authenticator.Answers(challenge.AuthMethod))
            await AbortJoinAsync(connection, WampErrors.NoMatchingAuthMethod,
                $"no authenticator for authmethod '{challenge.AuthMethod}'").ConfigureAwait(false);
        try
        {
            return await authenticator!.AuthenticateAsync(challenge, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await AbortJoinAsync(connection, WampErrors.AuthenticationFailed, e.Message).ConfigureAwait(false);
            throw; // unreachable
        }
    }

    /// <summary>Sends ABORT (best effort) and throws the matching WampException.</summary>
    private static async Task AbortJoinAsync(IWampConnection connection, string reason, string message)
    {
        try
        {
            await connection.SendAsync(new AbortMessage(new Dictionary<string, object?> { ["message"] = message }, reason))
                .ConfigureAwait(false);
        }
        catch (Exception) { /* the transport may be gone already; the join fails either way */ }
        throw new WampException(reason, message);
    }
}
