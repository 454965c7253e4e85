"""What the Autobahn|Python interop scripts share: failing a scenario, joining a router (any transport, serializer
and authentication), running a list of scenarios."""
import asyncio
import inspect
from urllib.parse import urlparse

from autobahn.asyncio.rawsocket import WampRawSocketClientFactory, WampRawSocketClientProtocol
from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp.serializer import CBORSerializer, JsonSerializer, MsgPackSerializer
from autobahn.wamp.types import ComponentConfig

# Autobahn|Python 22.7 (Debian bookworm): the asyncio RawSocket client protocol stores
# _transport_details but the session reads .transport_details, so joining over RawSocket
# fails in the client before any router is involved. Supply the missing accessor.
if not hasattr(WampRawSocketClientProtocol, "transport_details"):
    WampRawSocketClientProtocol.transport_details = property(lambda self: self._transport_details)

SERIALIZERS = {"json": JsonSerializer, "msgpack": MsgPackSerializer, "cbor": CBORSerializer,
               # batched WebSocket subprotocols (wamp.2.json.batched ...): several WAMP messages per WebSocket message
               "json.batched": lambda: JsonSerializer(batched=True),
               "msgpack.batched": lambda: MsgPackSerializer(batched=True),
               "cbor.batched": lambda: CBORSerializer(batched=True)}


class Failed(Exception):
    """A scenario saw something other than what it expected."""


def expect(cond, what):
    if not cond:
        raise Failed(what)


class Refused(Failed):
    """The router ABORTed the join (or closed the transport before WELCOME): reason is the ABORT's URI."""

    def __init__(self, reason, message):
        super().__init__("{} {}".format(reason, message))
        self.reason = reason


async def join_session(url, realm, serializer="json", hello=None, on_challenge=None, on_welcome=None, roles=None,
                       ssl=None, timeout=10):
    """Connects to url (ws/wss: WebSocket, anything else: RawSocket) and joins realm; returns (session, details).

    hello: HELLO options for ApplicationSession.join (authmethods, authid, authextra); on_challenge(session, challenge)
    answers a CHALLENGE (plain or async); on_welcome(session, authextra) checks WELCOME (a string returned refuses it);
    roles: the client roles to announce instead of Autobahn's. Raises Refused with the ABORT reason."""
    loop = asyncio.get_running_loop()
    joined = loop.create_future()

    class Session(ApplicationSession):
        def __init__(self, config):
            super().__init__(config)
            if roles is not None:
                self._session_roles = roles

        def onConnect(self):
            self.join(realm, **(hello or {}))

        async def onChallenge(self, challenge):
            result = on_challenge(self, challenge)
            return await result if inspect.isawaitable(result) else result

        def onWelcome(self, welcome):
            return on_welcome(self, welcome.authextra) if on_welcome is not None else None

        def onJoin(self, details):
            if not joined.done():
                joined.set_result((self, details))

        def onLeave(self, details):
            if not joined.done():
                joined.set_exception(Refused(details.reason, details.message))
            super().onLeave(details)

        def onDisconnect(self):
            if not joined.done():
                joined.set_exception(Refused("disconnected", "transport closed before WELCOME"))

    ser = SERIALIZERS[serializer]()
    u = urlparse(url)
    make = lambda: Session(ComponentConfig(realm))
    if u.scheme in ("ws", "wss"):
        factory = WampWebSocketClientFactory(make, url=url, serializers=[ser])
    else:
        factory = WampRawSocketClientFactory(make, serializer=ser)
    await loop.create_connection(factory, u.hostname, u.port, ssl=ssl)
    return await asyncio.wait_for(joined, timeout)


async def join_json_caller(url, realm, timeout=10):
    """Joins realm over WebSocket (JSON) as a plain session; the joined session, or the join failure raised."""
    session, _ = await join_session(url, realm, timeout=timeout)
    return session


async def run_scenarios(scenarios, timeout=30):
    """Runs (name, no-argument coroutine function) pairs in order, printing "PASS name" or "FAIL name ..." for each
    and going on after a failure; returns the exit code (1 when any failed)."""
    failed = 0
    for name, run in scenarios:
        try:
            await asyncio.wait_for(run(), timeout)
            print("PASS", name, flush=True)
        except Exception as e:  # noqa: BLE001 - report every scenario and go on with the next
            failed += 1
            print("FAIL", name, type(e).__name__, e, flush=True)
    return 1 if failed else 0
