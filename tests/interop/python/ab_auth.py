#!/usr/bin/python3
"""Autobahn|Python (asyncio) authentication scenarios against a WAMP router.

Run with Debian's interpreter (/usr/bin/python3, python3-autobahn, python3-nacl for cryptosign):

    ab_auth.py --url ws://127.0.0.1:8080/ws --serializer json --realm auth

The router must have the principals of tests/PluginHost.Tests/Interop/AutobahnAuthTests.cs:
ticket joe/"secret!!!", wampcra peter/"secret1" (plain) and salty/"secret2" (salted: salt123,
100 iterations, keylen 16), cryptosign alice with the public key of ALICE_SEED, all in role
"frontend". Each scenario prints "PASS <name>" and the script exits 0, or prints what differed
and exits 1.
"""
import argparse
import asyncio
import binascii
import sys

from autobahn.wamp import auth
from autobahn.wamp.cryptosign import CryptosignKey

from abcommon import SERIALIZERS, Failed, Refused, expect, join_session, run_scenarios

TIMEOUT = 10
ALICE_SEED = bytes(range(1, 33))  # public key 79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664
MALLORY_SEED = bytes(range(2, 34))


async def join(args, on_challenge, **hello):
    """Joins with HELLO options `hello`, answering CHALLENGE with on_challenge(challenge).
    Returns (session, details); raises Refused with the ABORT reason."""
    return await join_session(args.url, args.realm, args.serializer, hello, on_challenge=lambda _, c: on_challenge(c),
                              timeout=TIMEOUT)


async def joins_as(args, who, authmethod, on_challenge, **hello):
    """Joins and checks WELCOME names principal `who` authenticated by `authmethod`."""
    session, details = await join(args, on_challenge, **hello)
    try:
        expect((details.authid, details.authrole, details.authmethod, details.authprovider)
               == (who, "frontend", authmethod, "static"), "WELCOME identity: {}".format(details))
        # The session works: a call to itself.
        await session.register(lambda x: x * 2, "com.auth.double." + authmethod)
        expect(await session.call("com.auth.double." + authmethod, 21) == 42, "call after join")
    finally:
        await session.leave()


async def refused(args, reason, on_challenge, **hello):
    try:
        session, _ = await join(args, on_challenge, **hello)
        await session.leave()
        raise Failed("joined although it should have been refused with " + reason)
    except Refused as e:
        expect(e.reason == reason, "expected {}, got {}".format(reason, e))


def answer(value):
    async def on_challenge(challenge):
        return value
    return on_challenge


def wampcra(password):
    async def on_challenge(challenge):
        expect(challenge.method == "wampcra", "method " + challenge.method)
        key = password
        if "salt" in challenge.extra:  # salted: the key is derived from the password (Autobahn's derive_key)
            key = auth.derive_key(password, challenge.extra["salt"], challenge.extra["iterations"], challenge.extra["keylen"])
        return auth.compute_wcs(key, challenge.extra["challenge"]).decode("ascii")
    return on_challenge


def cryptosign(key):
    async def on_challenge(challenge):
        expect(challenge.method == "cryptosign", "method " + challenge.method)
        return await key.sign_challenge(challenge)
    return on_challenge


async def ticket(args):
    await joins_as(args, "joe", "ticket", answer("secret!!!"), authmethods=["ticket"], authid="joe")


async def ticket_wrong(args):
    await refused(args, "wamp.error.not_authorized", answer("guess"), authmethods=["ticket"], authid="joe")


async def wampcra_plain(args):
    await joins_as(args, "peter", "wampcra", wampcra("secret1"), authmethods=["wampcra"], authid="peter")


async def wampcra_salted(args):
    await joins_as(args, "salty", "wampcra", wampcra("secret2"), authmethods=["wampcra"], authid="salty")


async def wampcra_wrong_secret(args):
    await refused(args, "wamp.error.not_authorized", wampcra("secret2"), authmethods=["wampcra"], authid="peter")


async def cryptosign_ok(args):
    key = CryptosignKey.from_bytes(ALICE_SEED)
    await joins_as(args, "alice", "cryptosign", cryptosign(key),
                   authmethods=["cryptosign"], authid="alice", authextra={"pubkey": key.public_key()})


async def cryptosign_authid_from_pubkey(args):
    key = CryptosignKey.from_bytes(ALICE_SEED)
    await joins_as(args, "alice", "cryptosign", cryptosign(key),
                   authmethods=["cryptosign"], authextra={"pubkey": key.public_key()})


async def cryptosign_wrong_key(args):
    alice, mallory = CryptosignKey.from_bytes(ALICE_SEED), CryptosignKey.from_bytes(MALLORY_SEED)
    await refused(args, "wamp.error.not_authorized", cryptosign(mallory),
                  authmethods=["cryptosign"], authid="alice", authextra={"pubkey": alice.public_key()})


async def preference_order(args):
    # Offered wampcra first: chosen, as both are configured.
    await joins_as(args, "peter", "wampcra", wampcra("secret1"), authmethods=["wampcra", "ticket"], authid="peter")


async def no_auth_method(args):
    # The transport has no anonymous: Crossbar's wamp.error.no_auth_method.
    await refused(args, "wamp.error.no_auth_method", answer(None), authmethods=["anonymous"])


SCENARIOS = {f.__name__: f for f in [
    ticket, ticket_wrong, wampcra_plain, wampcra_salted, wampcra_wrong_secret, cryptosign_ok,
    cryptosign_authid_from_pubkey, cryptosign_wrong_key, preference_order, no_auth_method]}


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--realm", default="auth")
    p.add_argument("--serializer", default="json", choices=SERIALIZERS)
    p.add_argument("--scenario", action="append", help="repeatable; default: all")
    a = p.parse_args()
    return await run_scenarios([(name, lambda name=name: SCENARIOS[name](a)) for name in a.scenario or list(SCENARIOS)])


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
