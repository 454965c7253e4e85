#!/usr/bin/python3
"""Autobahn|Python (asyncio) WAMP-SCRAM, TLS client certificate and cryptosign channel binding scenarios.

Run with Debian's interpreter (/usr/bin/python3, python3-autobahn, python3-nacl, python3-argon2):

    ab_scram_tls.py scram   --url ws://127.0.0.1:8080/ws --serializer json
    ab_scram_tls.py tls     --url wss://127.0.0.1:8443/ws --ca ca.pem --cert a.pem --key a.key \
                            --other-cert b.pem --other-key b.key --stranger-cert c.pem --stranger-key c.key
    ab_scram_tls.py binding --url wss://127.0.0.1:8444/ws --ca ca.pem

The router's principals are those of tests/PluginHost.Tests/Interop/AutobahnScramTlsTests.cs. Refusals run first.
Each scenario prints "PASS <name>"; the script exits 0, or prints what differed and exits 1.
"""
import argparse
import asyncio
import base64
import ssl
from urllib.parse import urlparse
import sys

from autobahn.wamp import auth
from autobahn.wamp.cryptosign import CryptosignKey

from abcommon import SERIALIZERS, Failed, Refused, expect, join_session, run_scenarios

TIMEOUT = 20  # Argon2id at derive_scram_credential's cost (4096 passes) takes a few seconds in Python
ALICE_SEED = bytes(range(1, 33))

# Autobahn 22.7's pbkdf2 SCRAM path hands the base64 salt text to pbkdf2(), which only takes bytes (ValueError):
# decode it, as the spec and its argon2id path do, so the pbkdf2 principal can be exercised by the same client.
auth._hash_pbkdf2_secret = lambda password, salt, iterations: auth.pbkdf2(password, base64.b64decode(salt), iterations, keylen=32)


async def join(args, authenticator=None, on_challenge=None, ssl_context=None, **hello):
    """Joins; returns (session, details). Raises Refused with the ABORT reason.

    With an authenticator (Autobahn's IAuthenticator, here AuthScram) the session does what Autobahn's Component
    does with it: HELLO from it (authid, authextra.nonce), on_challenge, and on_welcome, which checks WELCOME's SCRAM
    server signature (a string returned refuses the session)."""
    on_welcome = None
    if authenticator is not None:
        hello = dict(authmethods=[authenticator.name], authid=authenticator._args["authid"], authextra=authenticator.authextra)
        on_challenge = authenticator.on_challenge
        on_welcome = authenticator.on_welcome
    return await join_session(args.url, args.realm, args.serializer, hello, on_challenge=on_challenge, on_welcome=on_welcome,
                              ssl=ssl_context, timeout=TIMEOUT)


async def joins_as(args, who, role, method, **kw):
    session, details = await join(args, **kw)
    try:
        expect((details.authid, details.authrole, details.authmethod) == (who, role, method), "WELCOME identity: {}".format(details))
        await session.register(lambda x: x * 2, "com.auth.double." + method)
        expect(await session.call("com.auth.double." + method, 21) == 42, "call after join")
    finally:
        await session.leave()
    return details


async def refused(args, reason, **kw):
    try:
        session, _ = await join(args, **kw)
        await session.leave()
        raise Failed("joined although it should have been refused with " + reason)
    except Refused as e:
        expect(e.reason == reason, "expected {}, got {}".format(reason, e))


def scram(authid, password):
    return auth.AuthScram(authid=authid, password=password)


class RecordingScram(auth.AuthScram):
    """AuthScram that keeps every proof it sends (to replay one later)."""
    proofs = []

    def on_challenge(self, session, challenge):
        proof = super().on_challenge(session, challenge)
        RecordingScram.proofs.append(proof)
        return proof


class ReplayingScram(auth.AuthScram):
    """Answers any challenge with a proof recorded from an earlier, successful session."""

    def on_challenge(self, session, challenge):
        return RecordingScram.proofs[-1]


class TamperingScram(auth.AuthScram):
    """Computes its proof over a nonce other than the router's (a man in the middle rewrote the CHALLENGE)."""

    def on_challenge(self, session, challenge):
        nonce = base64.b64decode(challenge.extra["nonce"])
        challenge.extra["nonce"] = base64.b64encode(nonce[:-1] + bytes([nonce[-1] ^ 1])).decode("ascii")
        return super().on_challenge(session, challenge)


# --- scram (plain transports) -------------------------------------------------------------------------------

async def scram_wrong_password(args):
    await refused(args, "wamp.error.not_authorized", authenticator=scram("alice", "not-her-password"))


async def scram_unknown_authid(args):
    await refused(args, "wamp.error.not_authorized", authenticator=scram("nobody", "x"))


async def scram_tampered_nonce(args):
    await refused(args, "wamp.error.not_authorized", authenticator=TamperingScram(authid="alice", password="secret123"))


async def scram_replayed_proof(args):
    RecordingScram.proofs = []
    await joins_as(args, "alice", "frontend", "scram", authenticator=RecordingScram(authid="alice", password="secret123"))
    expect(len(RecordingScram.proofs) == 1, "one proof recorded")
    await refused(args, "wamp.error.not_authorized", authenticator=ReplayingScram(authid="alice", password="secret123"))


async def scram_argon2id(args):
    # alice's principal is what derive_scram_credential("alice@example.com", "secret123") printed; Autobahn's
    # AuthScram also checks WELCOME's scram_server_signature (on_welcome), so the router proved it holds server-key.
    await joins_as(args, "alice", "frontend", "scram", authenticator=scram("alice", "secret123"))


async def scram_pbkdf2(args):
    await joins_as(args, "paul", "frontend", "scram", authenticator=scram("paul", "pbkdf2pass"))


# --- tls (mutual TLS listener) --------------------------------------------------------------------------------

def tls_context(args, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=args.ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


async def handshake_fails(args, ctx):
    u = urlparse(args.url)
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(u.hostname, u.port, ssl=ctx), TIMEOUT)
        # TLS 1.3 finishes the client side before the server checked the certificate: the refusal arrives on read.
        writer.write(b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        data = await asyncio.wait_for(reader.read(1), TIMEOUT)
        writer.close()
        expect(data == b"", "server answered a client without an acceptable certificate: {!r}".format(data))
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        pass


async def tls_no_certificate(args):
    await handshake_fails(args, tls_context(args))


async def tls_untrusted_certificate(args):
    await handshake_fails(args, tls_context(args, args.stranger_cert, args.stranger_key))


async def tls_unknown_principal(args):
    await refused(args, "wamp.error.not_authorized", on_challenge=None, ssl_context=tls_context(args, args.other_cert, args.other_key),
                  authmethods=["tls"])


async def tls_principal(args):
    await joins_as(args, "client-a", "frontend", "tls", ssl_context=tls_context(args, args.cert, args.key), authmethods=["tls"])


# --- binding (TLS listener, cryptosign with tls-unique) -------------------------------------------------------

def tls12_context(args):
    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # tls-unique is only defined up to TLS 1.2 (RFC 9266)
    return ctx


def bound_signer(key, channel_id_of):
    async def on_challenge(session, challenge):
        expect(challenge.method == "cryptosign", "method " + challenge.method)
        expect(challenge.extra.get("channel_binding") == "tls-unique", "CHALLENGE.channel_binding: {}".format(challenge.extra))
        return await key.sign_challenge(challenge, channel_id=channel_id_of(session), channel_id_type="tls-unique")
    return on_challenge


def own_channel(session):
    return session._transport.transport_details.channel_id["tls-unique"]


async def binding_other_channel(args):
    key = CryptosignKey.from_bytes(ALICE_SEED)
    # The channel id of another TLS connection: a signature relayed from there must not log in here.
    first, _ = await join(args, on_challenge=bound_signer(key, own_channel), ssl_context=tls12_context(args),
                          authmethods=["cryptosign"], authid="alice", authextra={"pubkey": key.public_key(), "channel_binding": "tls-unique"})
    other = own_channel(first)
    await first.leave()
    await refused(args, "wamp.error.not_authorized", on_challenge=bound_signer(key, lambda s: other), ssl_context=tls12_context(args),
                  authmethods=["cryptosign"], authid="alice", authextra={"pubkey": key.public_key(), "channel_binding": "tls-unique"})


async def binding_unbound_signature(args):
    key = CryptosignKey.from_bytes(ALICE_SEED)
    await refused(args, "wamp.error.not_authorized", on_challenge=bound_signer(key, lambda s: bytes(32)), ssl_context=tls12_context(args),
                  authmethods=["cryptosign"], authid="alice", authextra={"pubkey": key.public_key(), "channel_binding": "tls-unique"})


async def binding_tls13_refused(args):
    key = CryptosignKey.from_bytes(ALICE_SEED)
    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    await refused(args, "wamp.error.not_authorized", on_challenge=bound_signer(key, own_channel), ssl_context=ctx,
                  authmethods=["cryptosign"], authid="alice", authextra={"pubkey": key.public_key(), "channel_binding": "tls-unique"})


async def binding_ok(args):
    key = CryptosignKey.from_bytes(ALICE_SEED)
    await joins_as(args, "alice", "frontend", "cryptosign", on_challenge=bound_signer(key, own_channel), ssl_context=tls12_context(args),
                   authmethods=["cryptosign"], authid="alice", authextra={"pubkey": key.public_key(), "channel_binding": "tls-unique"})


GROUPS = {
    "scram": [scram_wrong_password, scram_unknown_authid, scram_tampered_nonce, scram_replayed_proof, scram_argon2id, scram_pbkdf2],
    "tls": [tls_no_certificate, tls_untrusted_certificate, tls_unknown_principal, tls_principal],
    "binding": [binding_other_channel, binding_unbound_signature, binding_tls13_refused, binding_ok],
}


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("group", choices=sorted(GROUPS))
    p.add_argument("--url", required=True)
    p.add_argument("--serializer", default="json", choices=sorted(SERIALIZERS))
    p.add_argument("--realm", default="auth")
    for name in ("ca", "cert", "key", "other-cert", "other-key", "stranger-cert", "stranger-key"):
        p.add_argument("--" + name)
    args = p.parse_args()
    # No time limit per scenario beyond each join's: Argon2id in Python takes seconds per join.
    return await run_scenarios([(s.__name__, lambda s=s: s(args)) for s in GROUPS[args.group]], timeout=None)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
