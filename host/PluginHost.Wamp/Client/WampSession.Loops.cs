using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

public sealed partial class WampSession
{
    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                // No token: closing the connection (by Terminate's writer) is what ends this read.
                var message = await _connection.ReceiveAsync().ConfigureAwait(false);
                if (message is null)
                {
                    Terminate(new WampCloseInfo(WampErrors.NetworkFailure, "transport closed", WampResult.NoDict,
                        WampCloseInitiator.Transport));
                    return;
                }
                // Ended from elsewhere (leave timeout, writer failure): the rest is noise.
                if (Volatile.Read(ref _closeInfo) is not null || !Dispatch(message)) return;
            }
        }
        catch (WampProtocolException e)
        {
            AbortProtocolViolation(e.Message);
        }
        catch (Exception e)
        {
            Terminate(new WampCloseInfo(WampErrors.NetworkFailure, e.Message, WampResult.NoDict,
                WampCloseInitiator.Transport, e));
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _outbox.Reader;
        var batch = new List<WampMessage>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // Once ended, queued messages belong to failed requests: drop them for the final message.
                if (Volatile.Read(ref _closeInfo) is not null) break;
                while (reader.TryRead(out var m)) batch.Add(m);
                await _connection.SendAsync(batch, _shutdown.Token).ConfigureAwait(false);
                batch.Clear();
            }
            if (Volatile.Read(ref _finalMessage) is { } final)
                await _connection.SendAsync([final], _shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Terminate(new WampCloseInfo(WampErrors.NetworkFailure, e.Message, WampResult.NoDict,
                WampCloseInitiator.Transport, e));
        }
        finally
        {
            try { await _connection.CloseAsync(_closeInfo?.Reason).ConfigureAwait(false); }
            catch (Exception e) { _logger.CloseFailed(e); }
        }
    }

    /// <summary>Handles one router message on the receive loop; false when the session ended.</summary>
    private bool Dispatch(WampMessage message)
    {
        switch (message)
        {
            case UnregisteredMessage { RequestId: 0 } revoked:
                OnRegistrationRevoked(revoked);
                return true;
            case ResultMessage or ErrorMessage or RegisteredMessage or UnregisteredMessage
                or SubscribedMessage or UnsubscribedMessage or PublishedMessage:
                var id = ((IWampRequest)message).RequestId;
                if (!_pending.TryGetValue(id, out var pending) || !pending.Accepts(message))
                    throw new WampProtocolException($"{message.Type} for unknown request {id}");
                if (pending.Deliver(message)) _pending.TryRemove(id, out _);
                return true;
            case InvocationMessage invocation:
                OnInvocation(invocation);
                return true;
            case InterruptMessage interrupt:
                OnInterrupt(interrupt);
                return true;
            case EventMessage e:
                OnEvent(e);
                return true;
            case GoodbyeMessage goodbye:
                OnGoodbye(goodbye);
                return false;
            case AbortMessage abort:
                Terminate(new WampCloseInfo(abort.Reason, abort.Details.GetString("message"), abort.Details,
                    WampCloseInitiator.Router));
                return false;
            default:
                throw new WampProtocolException($"unexpected {message.Type} from the router in an established session");
        }
    }

    private void OnGoodbye(GoodbyeMessage goodbye)
    {
        bool weLeft;
        lock (_sendLock) weLeft = _state == State.Leaving;
        var info = new WampCloseInfo(goodbye.Reason, goodbye.Details.GetString("message"), goodbye.Details,
            weLeft ? WampCloseInitiator.Local : WampCloseInitiator.Router);
        // The router started the closing handshake: answer it before closing.
        Terminate(info, weLeft ? null : new GoodbyeMessage(WampValue.EmptyDict(), WampCloseReasons.GoodbyeAndOut));
    }
}
