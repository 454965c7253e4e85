#!/usr/bin/python3
"""Autobahn|Python (asyncio) as both sides of Crossbar-style dynamic auth against a WAMP router:
a backend session registers the authenticator and the authorizer, then users join through a transport whose
ticket auth is dynamic and act in a role whose permissions come from the authorizer.

    ab_dynamic_auth.py --backend-url ws://127.0.0.1:8080/backend --url ws://127.0.0.1:8080/ws [--realm dyn]

The router must have (see tests/PluginHost.Tests/Interop/AutobahnDynamicAuthTests.cs): realm "dyn" with role
"backend" (static, everything allowed) and role "user" with authorizer "com.example.authorize"; at --backend-url
anonymous sessions get role "backend"; at --url ticket auth is dynamic with authenticator "com.example.authenticate".
Prints "PASS <name>" per scenario; exits 0 when all pass.
"""
import argparse
import asyncio
import sys

from autobahn.wamp.exception import ApplicationError

from abcommon import Failed, Refused, expect, join_session, run_scenarios

TIMEOUT = 10


async def join(url, realm, ticket=None, authid=None):
    """Joins anonymously, or with ticket auth as authid; returns (session, details), raises Refused."""
    def on_challenge(_, challenge):
        expect(challenge.method == "ticket", "challenge method " + challenge.method)
        return ticket

    hello = None if ticket is None else {"authmethods": ["ticket"], "authid": authid}
    return await join_session(url, realm, hello=hello, on_challenge=on_challenge, timeout=TIMEOUT)


async def start_backend(args):
    backend, _ = await join(args.backend_url, args.realm)
    seen = []

    def authenticate(realm, authid, details):
        # Crossbar's dynamic ticket authenticator: (realm, authid, details) with details["ticket"].
        if authid == "joe" and details.get("ticket") == "dyn-secret":
            return {"role": "user", "extra": {"greeting": "hello joe"}}
        raise ApplicationError("com.example.invalid_ticket", "no such user or wrong ticket")

    def authorize(session, uri, action, options):
        # Crossbar's dynamic authorizer: (session details, uri, action, options) -> bool or {allow, disclose}.
        seen.append((session.get("authid"), uri, action))
        return uri.startswith("com.dyn.open.")

    await backend.register(authenticate, "com.example.authenticate")
    await backend.register(authorize, "com.example.authorize")
    await backend.register(lambda x: x, "com.dyn.open.echo")
    await backend.register(lambda: "secret", "com.dyn.secret")
    return backend, seen


async def ticket_joins_with_the_authenticators_role(args):
    session, details = await join(args.url, args.realm, ticket="dyn-secret", authid="joe")
    try:
        expect((details.authid, details.authrole, details.authmethod, details.authprovider) == ("joe", "user", "ticket", "dynamic"),
               "WELCOME identity: {}".format(details))
        expect((details.authextra or {}).get("greeting") == "hello joe", "authextra from the authenticator: {}".format(details.authextra))
    finally:
        await session.leave()


async def wrong_ticket_is_refused_with_the_authenticators_error(args):
    try:
        session, _ = await join(args.url, args.realm, ticket="wrong", authid="joe")
        await session.leave()
        raise Failed("joined with a wrong ticket")
    except Refused as e:
        expect(e.reason == "com.example.invalid_ticket", "ABORT reason: {}".format(e))


async def authorizer_decides_each_action(args, seen):
    session, _ = await join(args.url, args.realm, ticket="dyn-secret", authid="joe")
    try:
        expect(await session.call("com.dyn.open.echo", 42) == 42, "allowed call")
        try:
            await session.call("com.dyn.secret")
            raise Failed("a call the authorizer denies went through")
        except ApplicationError as e:
            expect(e.error == "wamp.error.not_authorized", "denied call error: " + e.error)
        expect(("joe", "com.dyn.open.echo", "call") in seen and ("joe", "com.dyn.secret", "call") in seen,
               "authorizer arguments seen: {}".format(seen))
    finally:
        await session.leave()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backend-url", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--realm", default="dyn")
    a = p.parse_args()
    backend, seen = await start_backend(a)
    code = await run_scenarios([
        ("ticket_joins_with_the_authenticators_role", lambda: ticket_joins_with_the_authenticators_role(a)),
        ("wrong_ticket_is_refused_with_the_authenticators_error", lambda: wrong_ticket_is_refused_with_the_authenticators_error(a)),
        ("authorizer_decides_each_action", lambda: authorizer_decides_each_action(a, seen)),
    ])
    await backend.leave()
    return code


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
