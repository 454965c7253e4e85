#!/usr/bin/python3
"""The Crossbar guide's TimeService as a guest worker: its own process with its own WAMP connection
(Autobahn|Python over asyncio, Debian package python3-autobahn). Usage: timeservice_guest.py URL REALM

Exits when the connection is lost; the node's supervisor restarts it with backoff."""
import asyncio
import datetime
import sys
from urllib.parse import urlparse

from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp.types import ComponentConfig


class TimeService(ApplicationSession):
    async def onJoin(self, details):
        def utcnow():
            print("I am being called;)", flush=True)
            return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

        reg = await self.register(utcnow, "com.timeservice.now")
        print(f"Ok, registered procedure for WAMP RPC ({reg.id})", flush=True)

    def onDisconnect(self):
        self.config.extra["lost"].set_result(None)


async def main(url, realm):
    lost = asyncio.get_running_loop().create_future()
    factory = WampWebSocketClientFactory(lambda: TimeService(ComponentConfig(realm, extra={"lost": lost})), url=url)
    u = urlparse(url)
    await asyncio.get_running_loop().create_connection(factory, u.hostname, u.port)
    await lost
    print("Connection lost", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
