namespace PluginHost.Wamp.Messages;

/// <summary>Standard URIs (basic/uri_reference.md, advanced/uris.md).</summary>
public static class WampErrors
{
    public const string InvalidUri = "wamp.error.invalid_uri";
    public const string NoSuchProcedure = "wamp.error.no_such_procedure";
    public const string ProcedureAlreadyExists = "wamp.error.procedure_already_exists";
    public const string NoSuchRegistration = "wamp.error.no_such_registration";
    public const string NoSuchSubscription = "wamp.error.no_such_subscription";
    public const string NoSuchSession = "wamp.error.no_such_session";
    public const string InvalidArgument = "wamp.error.invalid_argument";
    public const string Canceled = "wamp.error.canceled";
    public const string PayloadSizeExceeded = "wamp.error.payload_size_exceeded";
    public const string ProtocolViolation = "wamp.error.protocol_violation";
    public const string NotAuthorized = "wamp.error.not_authorized";
    public const string AuthorizationFailed = "wamp.error.authorization_failed";
    public const string AuthenticationFailed = "wamp.error.authentication_failed";
    public const string NoMatchingAuthMethod = "wamp.error.no_matching_auth_method";
    /// <summary>What Crossbar and Autobahn send when no offered authmethod is configured (ApplicationError.NO_AUTH_METHOD); the router uses it.</summary>
    public const string NoAuthMethod = "wamp.error.no_auth_method";
    public const string NoSuchRealm = "wamp.error.no_such_realm";
    public const string NoSuchRole = "wamp.error.no_such_role";
    public const string NoSuchPrincipal = "wamp.error.no_such_principal";
    public const string Timeout = "wamp.error.timeout";
    public const string OptionNotAllowed = "wamp.error.option_not_allowed";
    public const string NoAvailableCallee = "wamp.error.no_available_callee";
    public const string FeatureNotSupported = "wamp.error.feature_not_supported";
    public const string Unavailable = "wamp.error.unavailable";
    public const string NetworkFailure = "wamp.error.network_failure";
    /// <summary>Application runtime error used by Autobahn for unhandled callee exceptions.</summary>
    public const string RuntimeError = "wamp.error.runtime_error";
}

public static class WampCloseReasons
{
    public const string SystemShutdown = "wamp.close.system_shutdown";
    public const string CloseRealm = "wamp.close.close_realm";
    public const string GoodbyeAndOut = "wamp.close.goodbye_and_out";
    public const string Normal = "wamp.close.normal";
    public const string Killed = "wamp.close.killed";
}
