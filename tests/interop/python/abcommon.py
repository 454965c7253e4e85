"""What the Autobahn|Python interop scripts share: failing a scenario, a refused join, joining as a caller."""
import asyncio
from urllib.parse import urlparse

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp.serializer import JsonSerializer
from autobahn.wamp.types import ComponentConfig


class Failed(Exception):
    """A scenario saw something other than what it expected."""


def expect(cond, what):
    if not cond:
        raise Failed(what)


class Refused(Exception):
    """The router ABORTed the join: reason is the ABORT's URI."""

    def __init__(self, reason, message):
        super().__init__("{} {}".format(reason, message))
        self.reason = reason


async def join_json_caller(url, realm, timeout=10):
    """Joins realm over WebSocket (JSON) as a plain session; the joined session, or the join failure raised."""
    loop = asyncio.get_running_loop()
    joined = loop.create_future()

    class Caller(ApplicationSession):
        def onJoin(self, details):
            joined.set_result(self)

        def onLeave(self, details):
            if not joined.done():
                joined.set_exception(RuntimeError("join failed: {}".format(details.reason)))
            super().onLeave(details)

    u = urlparse(url)
    factory = WampWebSocketClientFactory(lambda: Caller(ComponentConfig(realm)), url=url, serializers=[JsonSerializer()])
    await loop.create_connection(factory, u.hostname, u.port)
    return await asyncio.wait_for(joined, timeout)
