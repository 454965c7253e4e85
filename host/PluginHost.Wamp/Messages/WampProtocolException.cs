namespace PluginHost.Wamp.Messages;

/// <summary>
/// Malformed or out-of-sequence input from a peer. The peer's session is ended with
/// ABORT wamp.error.protocol_violation carrying <see cref="Exception.Message"/>;
/// nothing else is affected.
/// </summary>
public sealed class WampProtocolException(string message, Exception? inner = null) : Exception(message, inner);
