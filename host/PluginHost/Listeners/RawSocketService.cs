using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Listeners;

/// <summary>
/// A RawSocket endpoint on Kestrel connections: the handshake and frames go straight on the
/// connection's pipes, without HTTP.
/// </summary>
internal sealed class RawSocketService
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly string _transportId;
    private readonly RawSocketTransportConfig _config;
    private readonly SessionRunner _runner;
    private readonly ILogger _logger;

    public RawSocketService(string transportId, RawSocketTransportConfig config, SessionRunner runner, ILogger logger)
    {
        _transportId = transportId;
        _config = config;
        _runner = runner;
        _logger = logger;
        Serializers = WampSerializers.SelectForRouting(config.Serializers);
    }

    public IReadOnlyList<IWampSerializer> Serializers { get; }

    private IWampSerializer? ById(byte id) => Serializers.FirstOrDefault(s => s.RawSocketId == id);

    public async Task HandleAsync(ConnectionContext context)
    {
        string peer = TransportNet.PeerString(context.RemoteEndPoint);
        RawSocketConnection? connection;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.ConnectionClosed, _runner.Stopping);
            timeout.CancelAfter(HandshakeTimeout);
            connection = await RawSocketConnection.AcceptAsync(context.Transport, ById, _config.MaxMessageSize, peer,
                    context.Features.Get<PluginHost.Wamp.Transport.TlsDetails>(), timeout.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _logger.RawSocketHandshakeTimedOut(_transportId, peer);
            return;
        }
        catch (Exception e) when (e is RawSocketHandshakeException || SessionRunner.IsConnectionFailure(e))
        {
            _logger.RawSocketHandshakeFailed(_transportId, peer, e.Message);
            return;
        }
        if (connection is null) return;
        connection.Traffic = Wamp.Metrics.TransportTraffic.For(connection.Details.SerializerName);
        await _runner.RunAsync(_transportId, connection, _config.Auth).ConfigureAwait(false);
        await ConnectionDrain.CloseOrAbortAsync(context, _transportId, peer, _logger).ConfigureAwait(false);
    }

    /// <summary>
    /// Universal transport: peeks at the first octet without consuming it. 0x7F (the RawSocket
    /// magic octet) goes to RawSocket, anything else to <paramref name="http"/>.
    /// </summary>
    public static ConnectionDelegate Demultiplex(RawSocketService? rawSocket, ConnectionDelegate http, ILogger logger) => async context =>
    {
        var input = context.Transport.Input;
        ReadResult result;
        try
        {
            result = await input.ReadAsync(context.ConnectionClosed).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException || SessionRunner.IsConnectionFailure(e))
        {
            if (logger.IsEnabled(LogLevel.Debug)) logger.ClosedBeforeSending(TransportNet.PeerString(context.RemoteEndPoint), e.Message);
            return;
        }
        var buffer = result.Buffer;
        if (buffer.IsEmpty)
        {
            input.AdvanceTo(buffer.End);
            return;
        }
        byte first = buffer.FirstSpan[0];
        input.AdvanceTo(buffer.Start); // nothing consumed or examined: the next read sees the same bytes
        if (first == RawSocketProtocol.Magic && rawSocket is not null)
            await rawSocket.HandleAsync(context).ConfigureAwait(false);
        else
            await http(context).ConfigureAwait(false);
    };
}
