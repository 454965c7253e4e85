#!/usr/bin/python3
"""Autobahn|Python (asyncio) scenarios against a WAMP router.

Run with Debian's interpreter (/usr/bin/python3, python3-autobahn):

    ab_scenarios.py --url ws://127.0.0.1:8080/ws --serializer json --scenario rpc

--url accepts ws:// (WebSocket) and rs:// (RawSocket); --url may be given more than once (the nodes of one
cluster): each scenario's sessions then take the URLs in turn, so a callee or subscriber (usually joined first)
sits on another node than its caller or publisher. Each scenario prints
"PASS <name>" and exits 0, or prints what differed and exits 1. The xunit interop
tests start our router and run every scenario with every serializer/transport.
"""
import argparse
import asyncio
import random
import sys

from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import CallOptions, PublishOptions, RegisterOptions, SubscribeOptions

from abcommon import SERIALIZERS, Failed, expect, join_session, run_scenarios

TIMEOUT = 10


class Ctx:
    def __init__(self, urls, realm, serializer):
        self.urls, self.realm, self.serializer = urls, realm, serializer
        self.url = urls[0]
        self.sessions = []
        self.joined = 0

    async def session(self, realm=None, roles=None):
        """A joined ApplicationSession on its own connection (roles: the client roles to announce, default Autobahn's),
        on the next of the URLs (nodes) in turn."""
        url = self.urls[self.joined % len(self.urls)]
        self.joined += 1
        s, _ = await join_session(url, realm or self.realm, self.serializer, roles=roles, timeout=TIMEOUT)
        self.sessions.append(s)
        return s

    async def close(self):
        for s in self.sessions:
            if s.is_attached():
                await s.leave()


async def rpc(ctx):
    callee, caller = await ctx.session(), await ctx.session()

    def add2(x, y):
        return x + y

    def echo(*args, **kwargs):
        from autobahn.wamp.types import CallResult
        return CallResult(*args, **kwargs)

    def fail(code):
        raise ApplicationError("com.example.error." + code, "it failed", 42, detail={"code": code})

    await callee.register(add2, "com.example.add2")
    await callee.register(echo, "com.example.echo")
    await callee.register(fail, "com.example.fail")

    expect(await caller.call("com.example.add2", 2, 3) == 5, "add2(2,3) != 5")
    r = await caller.call("com.example.echo", 1, "zwei", [3], {"four": 4}, x="ü€𝄞", n=None)
    expect(list(r.results) == [1, "zwei", [3], {"four": 4}], "echo args: {}".format(r.results))
    expect(r.kwresults == {"x": "ü€𝄞", "n": None}, "echo kwargs: {}".format(r.kwresults))
    # A single list argument must stay a list (fox-wamp unwraps it; the spec does not).
    r = await caller.call("com.example.echo", [1, 2, 3])
    expect(r == [1, 2, 3], "single list arg: {}".format(r))
    big = "x" * 65536
    expect(await caller.call("com.example.echo", big) == big, "64 KiB payload")
    try:
        await caller.call("com.example.fail", "e1")
        raise Failed("fail() did not raise")
    except ApplicationError as e:
        expect(e.error == "com.example.error.e1", "error uri {}".format(e.error))
        expect(list(e.args) == ["it failed", 42], "error args {}".format(e.args))
        expect(e.kwargs == {"detail": {"code": "e1"}}, "error kwargs {}".format(e.kwargs))
    try:
        await caller.call("com.example.nothere")
        raise Failed("call to unregistered procedure did not raise")
    except ApplicationError as e:
        expect(e.error == "wamp.error.no_such_procedure", "got {}".format(e.error))
    try:
        await caller.register(add2, "com.example.add2")
        raise Failed("double registration did not raise")
    except ApplicationError as e:
        expect(e.error == "wamp.error.procedure_already_exists", "got {}".format(e.error))


async def binary(ctx):
    callee, caller = await ctx.session(), await ctx.session()
    await callee.register(lambda b: b, "com.example.bytes")
    payload = bytes(range(256))
    r = await caller.call("com.example.bytes", payload)
    expect(isinstance(r, bytes) and r == payload, "binary round trip: {!r}".format(r)[:200])


async def progressive(ctx):
    callee, caller = await ctx.session(), await ctx.session()

    async def count(n, details=None):
        for i in range(n):
            if details.progress:
                details.progress(i)
        return "done"

    await callee.register(count, "com.example.count", RegisterOptions(details_arg="details"))
    seen = []
    r = await caller.call("com.example.count", 5, options=CallOptions(on_progress=seen.append))
    expect(r == "done", "final result {}".format(r))
    expect(seen == [0, 1, 2, 3, 4], "progress {}".format(seen))


async def cancel(ctx):
    callee, caller = await ctx.session(), await ctx.session()
    loop = asyncio.get_running_loop()
    started, interrupted = loop.create_future(), loop.create_future()

    async def slow():
        started.set_result(True)
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            interrupted.set_result(True)
            raise

    await callee.register(slow, "com.example.slow")
    call = asyncio.ensure_future(caller.call("com.example.slow"))
    await asyncio.wait_for(started, TIMEOUT)
    call.cancel()
    # Autobahn sends CANCEL with the default mode; the router must INTERRUPT the callee.
    await asyncio.wait_for(interrupted, TIMEOUT)
    try:
        await call
    except (asyncio.CancelledError, ApplicationError):
        pass


async def timeout(ctx):
    callee, caller = await ctx.session(), await ctx.session()
    loop = asyncio.get_running_loop()
    interrupted = loop.create_future()

    async def slow():
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            interrupted.set_result(True)
            raise

    await callee.register(slow, "com.example.slow")
    try:
        await caller.call("com.example.slow", options=CallOptions(timeout=200))
        raise Failed("call with timeout returned")
    except ApplicationError as e:
        expect(e.error in ("wamp.error.timeout", "wamp.error.canceled"), "got {}".format(e.error))
    await asyncio.wait_for(interrupted, TIMEOUT)


async def callee_leaves(ctx):
    callee, caller = await ctx.session(), await ctx.session()
    loop = asyncio.get_running_loop()
    started = loop.create_future()

    async def hang():
        started.set_result(True)
        await asyncio.sleep(60)

    await callee.register(hang, "com.example.hang")
    call = asyncio.ensure_future(caller.call("com.example.hang"))
    await asyncio.wait_for(started, TIMEOUT)
    callee._transport.close()  # drop the connection without GOODBYE
    try:
        await asyncio.wait_for(call, TIMEOUT)
        raise Failed("call returned although its callee vanished")
    except ApplicationError as e:
        expect(e.error.startswith("wamp."), "got {}".format(e.error))


async def shared(ctx):
    c1, c2, caller = await ctx.session(), await ctx.session(), await ctx.session()
    opts = RegisterOptions(invoke="roundrobin")
    await c1.register(lambda: 1, "com.example.rr", opts)
    await c2.register(lambda: 2, "com.example.rr", opts)
    got = [await caller.call("com.example.rr") for _ in range(4)]
    expect(sorted(got) == [1, 1, 2, 2] and got[0] != got[1], "roundrobin {}".format(got))
    try:
        await c1.register(lambda: 3, "com.example.rr", RegisterOptions(invoke="first"))
        raise Failed("mismatched invoke policy accepted")
    except ApplicationError as e:
        expect(e.error == "wamp.error.procedure_already_exists", "got {}".format(e.error))


async def force_reregister(ctx):
    c1, c2, caller = await ctx.session(), await ctx.session(), await ctx.session()
    await c1.register(lambda: "old", "com.example.swap")
    await c2.register(lambda: "new", "com.example.swap", RegisterOptions(force_reregister=True))
    expect(await caller.call("com.example.swap") == "new", "force_reregister did not take over")


async def pattern_rpc(ctx):
    callee, caller = await ctx.session(), await ctx.session()

    def prefix(*args, details=None):
        return ["prefix", details.procedure]

    def wildcard(*args, details=None):
        return ["wildcard", details.procedure]

    await callee.register(prefix, "com.example.pfx", RegisterOptions(match="prefix", details_arg="details"))
    await callee.register(wildcard, "com.example..get", RegisterOptions(match="wildcard", details_arg="details"))
    expect(await caller.call("com.example.pfx.a.b") == ["prefix", "com.example.pfx.a.b"], "prefix match")
    expect(await caller.call("com.example.user.get") == ["wildcard", "com.example.user.get"], "wildcard match")


async def caller_disclosure(ctx):
    callee, caller = await ctx.session(), await ctx.session()

    def who(details=None):
        return details.caller

    await callee.register(who, "com.example.who", RegisterOptions(details_arg="details"))
    # Autobahn|Python 22.7 has no disclose_me; the interop realm's role discloses callers.
    r = await caller.call("com.example.who")
    expect(r == caller._session_id, "caller {} != {}".format(r, caller._session_id))


async def pubsub(ctx):
    sub, pub = await ctx.session(), await ctx.session()
    loop = asyncio.get_running_loop()
    got, done = [], loop.create_future()

    def on_event(*args, **kwargs):
        got.append((list(args), kwargs))
        if len(got) == 3 and not done.done():
            done.set_result(True)

    await sub.subscribe(on_event, "com.example.topic")
    for i in range(3):
        await pub.publish("com.example.topic", i, "x", k=i, options=PublishOptions(acknowledge=True))
    await asyncio.wait_for(done, TIMEOUT)
    expect(got == [([i, "x"], {"k": i}) for i in range(3)], "events {}".format(got))
    expect(pub.publish("com.example.topic", 9) is None, "publish without acknowledge returned something")


async def exclude_me(ctx):
    s = await ctx.session()
    loop = asyncio.get_running_loop()
    got = []
    marker = loop.create_future()

    def on_event(v):
        got.append(v)
        if v == "mine-included" and not marker.done():
            marker.set_result(True)

    await s.subscribe(on_event, "com.example.self")
    await s.publish("com.example.self", "mine-excluded", options=PublishOptions(acknowledge=True))
    await s.publish("com.example.self", "mine-included", options=PublishOptions(acknowledge=True, exclude_me=False))
    await asyncio.wait_for(marker, TIMEOUT)
    expect(got == ["mine-included"], "exclude_me: {}".format(got))


async def black_white(ctx):
    a, b, pub = await ctx.session(), await ctx.session(), await ctx.session()
    loop = asyncio.get_running_loop()
    got_a, got_b = [], []
    end_a, end_b = loop.create_future(), loop.create_future()

    def handler(store, end):
        def on(v):
            store.append(v)
            if v == "end" and not end.done():
                end.set_result(True)
        return on

    await a.subscribe(handler(got_a, end_a), "com.example.bw")
    await b.subscribe(handler(got_b, end_b), "com.example.bw")
    ack = PublishOptions(acknowledge=True)
    await pub.publish("com.example.bw", "only-a", options=PublishOptions(acknowledge=True, eligible=[a._session_id]))
    await pub.publish("com.example.bw", "not-a", options=PublishOptions(acknowledge=True, exclude=[a._session_id]))
    await pub.publish("com.example.bw", "end", options=ack)
    await asyncio.wait_for(asyncio.gather(end_a, end_b), TIMEOUT)
    expect(got_a == ["only-a", "end"], "a got {}".format(got_a))
    expect(got_b == ["not-a", "end"], "b got {}".format(got_b))


async def pattern_pubsub(ctx):
    sub, pub = await ctx.session(), await ctx.session()
    loop = asyncio.get_running_loop()
    got, done = [], loop.create_future()

    def on(v, details=None):
        got.append((v, details.topic))
        if len(got) == 2 and not done.done():
            done.set_result(True)

    await sub.subscribe(on, "com.example.pfx", SubscribeOptions(match="prefix", details_arg="details"))
    await sub.subscribe(on, "com.example..changed", SubscribeOptions(match="wildcard", details_arg="details"))
    await pub.publish("com.example.pfx.deep.er", 1, options=PublishOptions(acknowledge=True))
    await pub.publish("com.example.user.changed", 2, options=PublishOptions(acknowledge=True))
    await asyncio.wait_for(done, TIMEOUT)
    expect(sorted(got) == [(1, "com.example.pfx.deep.er"), (2, "com.example.user.changed")], "got {}".format(got))


async def publisher_disclosure(ctx):
    sub, pub = await ctx.session(), await ctx.session()
    loop = asyncio.get_running_loop()
    seen = loop.create_future()

    def on(details=None):
        if not seen.done():
            seen.set_result(details.publisher)

    await sub.subscribe(on, "com.example.disclose", SubscribeOptions(details_arg="details"))
    # Disclosed by the interop realm's role (disclose.publisher), not by the publisher.
    await pub.publish("com.example.disclose", options=PublishOptions(acknowledge=True))
    expect(await asyncio.wait_for(seen, TIMEOUT) == pub._session_id, "publisher not disclosed")


async def meta(ctx):
    watcher = await ctx.session()
    loop = asyncio.get_running_loop()
    joined = loop.create_future()

    def on_join(info):
        if not joined.done():
            joined.set_result(info)

    await watcher.subscribe(on_join, "wamp.session.on_join")
    other = await ctx.session()
    info = await asyncio.wait_for(joined, TIMEOUT)
    expect(info["session"] == other._session_id, "on_join session {}".format(info))
    count = await watcher.call("wamp.session.count")
    expect(isinstance(count, int) and count >= 2, "wamp.session.count {}".format(count))
    ids = await watcher.call("wamp.session.list")
    expect(other._session_id in ids and watcher._session_id in ids, "wamp.session.list {}".format(ids))
    got = await watcher.call("wamp.session.get", other._session_id)
    expect(got["session"] == other._session_id and got["authrole"] == "anonymous", "wamp.session.get {}".format(got))
    reg = await other.register(lambda: None, "com.example.meta")
    rid = await watcher.call("wamp.registration.lookup", "com.example.meta")
    expect(rid == reg.id, "wamp.registration.lookup {} != {}".format(rid, reg.id))
    callees = await watcher.call("wamp.registration.list_callees", reg.id)
    expect(callees == [other._session_id], "list_callees {}".format(callees))
    try:
        await watcher.call("wamp.session.get", 1)
        raise Failed("wamp.session.get of unknown session did not raise")
    except ApplicationError as e:
        expect(e.error == "wamp.error.no_such_session", "got {}".format(e.error))


async def reserved_uri(ctx):
    s = await ctx.session()
    try:
        await s.register(lambda: None, "wamp.my.proc")
        raise Failed("registering under wamp. was accepted")
    except ApplicationError as e:
        expect(e.error in ("wamp.error.invalid_uri", "wamp.error.not_authorized"), "got {}".format(e.error))


async def authorization(ctx, realm="restricted"):
    # Realm "restricted": role anonymous may call/register/subscribe under com.public. only,
    # and publish nowhere (see the interop test's config).
    s = await ctx.session(realm=realm)
    await s.register(lambda: "ok", "com.public.ok")
    expect(await s.call("com.public.ok") == "ok", "allowed call")
    for action in ("register", "call", "publish", "subscribe"):
        try:
            if action == "register":
                await s.register(lambda: None, "com.secret.x")
            elif action == "call":
                await s.call("com.secret.x")
            elif action == "publish":
                await s.publish("com.public.topic", options=PublishOptions(acknowledge=True))
            else:
                await s.subscribe(lambda: None, "com.secret.topic")
            raise Failed("{} was not denied".format(action))
        except ApplicationError as e:
            expect(e.error == "wamp.error.not_authorized", "{}: got {}".format(action, e.error))


async def authorization_flat(ctx):
    # The same rules written in Crossbar 0.10's flat form ("uri": "com.public.*", booleans).
    await authorization(ctx, realm="restricted_flat")


async def retained(ctx):
    # Event retention: a retain=true publication (with nobody subscribed) is delivered to a later
    # get_retained subscriber right after SUBSCRIBED, flagged retained; also under a prefix subscription.
    base = "com.example.retained.r{}.".format(random.getrandbits(48))  # fresh per run: retention outlives sessions
    topic = base + "state"
    pub = await ctx.session()
    features = pub._router_roles["broker"]
    expect(features.event_retention is True, "broker does not announce event_retention")
    ack = PublishOptions(acknowledge=True, retain=True)
    await pub.publish(topic, "state-1", options=ack)
    await pub.publish(topic, "state-2", unit="C", options=ack)
    await pub.publish(topic, "live-only", options=PublishOptions(acknowledge=True))  # not retained

    sub = await ctx.session()
    loop = asyncio.get_running_loop()
    exact, prefix = loop.create_future(), loop.create_future()

    def handler(fut):
        def on(*args, details=None, **kwargs):
            if not fut.done():
                fut.set_result((list(args), kwargs, details.retained, details.topic))
        return on

    await sub.subscribe(handler(exact), topic, SubscribeOptions(get_retained=True, details_arg="details"))
    args, kwargs, was_retained, _ = await asyncio.wait_for(exact, TIMEOUT)
    expect(args == ["state-2"] and kwargs == {"unit": "C"}, "retained event {} {}".format(args, kwargs))
    expect(was_retained is True, "EVENT.Details.retained {}".format(was_retained))
    await sub.subscribe(handler(prefix), base, SubscribeOptions(match="prefix", get_retained=True, details_arg="details"))
    args, _, was_retained, concrete = await asyncio.wait_for(prefix, TIMEOUT)
    expect(args == ["state-2"] and was_retained is True and concrete == topic, "prefix retained {} {} {}".format(args, was_retained, concrete))


async def testament(ctx):
    # Testament meta API: the "destroyed" testament is published when the session's transport is lost;
    # a flushed one is not.
    topic = "com.example.testament"
    observer, s = await ctx.session(), await ctx.session()
    expect(s._router_roles["dealer"].testament_meta_api is True, "dealer does not announce testament_meta_api")
    loop = asyncio.get_running_loop()
    got = []
    done = loop.create_future()

    def on(*args, **kwargs):
        got.append((list(args), kwargs))
        if not done.done():
            done.set_result(True)

    await observer.subscribe(on, topic)
    sid = s._session_id
    r = await s.call("wamp.session.add_testament", topic, ["gone", sid], {"why": "lost"})
    expect(r is None, "add_testament returned {}".format(r))
    await s.call("wamp.session.add_testament", topic, ["flushed"], {}, scope="detached")
    await s.call("wamp.session.flush_testaments", scope="detached")
    try:
        await s.call("wamp.session.add_testament", topic, ["x"], {}, scope="sometime")
        raise Failed("add_testament with a bad scope did not raise")
    except ApplicationError as e:
        expect(e.error == "wamp.error.invalid_argument", "got {}".format(e.error))
    s._transport.close()  # transport loss, no GOODBYE
    await asyncio.wait_for(done, TIMEOUT)
    # a barrier: anything else from the testament would have arrived before this round trip's answer
    await observer.call("wamp.session.count")
    expect(got == [(["gone", sid], {"why": "lost"})], "testament events {}".format(got))


async def event_history(ctx):
    # Event history: realm1's store keeps publications to the prefix com.example.history. (see the interop fixture), with
    # nobody subscribed; wamp.subscription.get_events returns them oldest first (spec), newest first with reverse=true.
    topic = "com.example.history.h{}".format(random.getrandbits(48))  # fresh per run: the history outlives sessions
    pub, reader = await ctx.session(), await ctx.session()
    expect(reader._router_roles["broker"].event_history is True, "broker does not announce event_history")
    ack = PublishOptions(acknowledge=True)
    p1 = await pub.publish(topic, 1, "one", k="v", options=ack)
    p2 = await pub.publish(topic, 2, options=ack)
    p3 = await pub.publish(topic, 3, options=ack)
    sub_id = await reader.call("wamp.subscription.lookup", "com.example.history.", {"match": "prefix"})
    expect(isinstance(sub_id, int), "no history subscription: lookup {}".format(sub_id))
    events = await reader.call("wamp.subscription.get_events", sub_id, topic=topic)
    expect([e["publication"] for e in events] == [p1.id, p2.id, p3.id], "history order {}".format(events))
    e = events[0]
    expect(e["args"] == [1, "one"] and e["kwargs"] == {"k": "v"}, "event payload {}".format(e))
    expect(e["subscription"] == sub_id and e["topic"] == topic, "event ids {}".format(e))
    expect(e["details"].get("topic") == topic and e["publisher"] == pub._session_id, "event details {}".format(e))
    expect(isinstance(e["timestamp"], str) and e["timestamp"].endswith("Z"), "timestamp {}".format(e["timestamp"]))
    newest = await reader.call("wamp.subscription.get_events", sub_id, topic=topic, reverse=True, limit=2)
    expect([x["args"][0] for x in newest] == [3, 2], "reverse, limit 2: {}".format(newest))
    page = await reader.call("wamp.subscription.get_events", sub_id, topic=topic, after_publication=p1.id)
    expect([x["args"][0] for x in page] == [2, 3], "after_publication: {}".format(page))
    # a subscription without history
    plain = await reader.subscribe(lambda *a: None, "com.example.nohistory")
    try:
        await reader.call("wamp.subscription.get_events", plain.id)
        raise Failed("get_events on a subscription without history did not raise")
    except ApplicationError as err:
        expect(err.error == "wamp.error.history_unavailable", "got {}".format(err.error))


def without_feature(roles, role, feature):
    """A copy of Autobahn's client roles with one feature turned off."""
    import copy
    roles = copy.deepcopy(roles)
    setattr(roles[role], feature, None)
    return roles


async def remove_subscriber(ctx):
    # wamp.subscription.remove_subscriber. Autobahn|Python 22.7 announces subscriber subscription_revocation but raises a
    # ProtocolError (and drops its connection) on [UNSUBSCRIBED, 0, ...], so the revoked subscriber here announces no
    # subscription_revocation: the router must then revoke silently (spec: "MUST NOT send an UNSUBSCRIBED").
    from autobahn.wamp import role as ab_role
    base = "com.example.revoke.s{}.".format(random.getrandbits(48))
    admin, pub = await ctx.session(), await ctx.session()
    sub = await ctx.session(roles=without_feature(ab_role.DEFAULT_CLIENT_ROLES, "subscriber", "subscription_revocation"))
    expect(admin._router_roles["broker"].subscription_revocation is True, "broker does not announce subscription_revocation")
    loop = asyncio.get_running_loop()
    unsubscribed = loop.create_future()

    def on_unsubscribe(session_id, subscription_id):
        if session_id == sub._session_id and not unsubscribed.done():
            unsubscribed.set_result(subscription_id)

    await admin.subscribe(on_unsubscribe, "wamp.subscription.on_unsubscribe")
    got, control = [], loop.create_future()
    s = await sub.subscribe(lambda *a: got.append(a), base + "t")
    await sub.subscribe(lambda *a: control.done() or control.set_result(a), base + "control")
    r = await admin.call("wamp.subscription.remove_subscriber", s.id, sub._session_id, "com.example.revoked")
    expect(r is None, "remove_subscriber returned {}".format(r))
    expect(await asyncio.wait_for(unsubscribed, TIMEOUT) == s.id, "on_unsubscribe")
    expect(await admin.call("wamp.subscription.lookup", base + "t") is None, "the subscription was not deleted")
    ack = PublishOptions(acknowledge=True)
    await pub.publish(base + "t", "revoked", options=ack)
    await pub.publish(base + "control", "after", options=ack)
    await asyncio.wait_for(control, TIMEOUT)  # same publisher, same subscriber: anything on base+"t" would have come first
    expect(got == [] and sub.is_attached(), "revoked subscriber still got {} (attached {})".format(got, sub.is_attached()))
    for args, error in (((s.id, sub._session_id), "wamp.error.no_such_subscription"), ((s.id, 1), "wamp.error.no_such_session")):
        try:
            await admin.call("wamp.subscription.remove_subscriber", *args)
            raise Failed("remove_subscriber{} did not raise".format(args))
        except ApplicationError as err:
            expect(err.error == error, "remove_subscriber{}: got {}".format(args, err.error))


async def remove_callee(ctx):
    # wamp.registration.remove_callee: Autobahn's callee announces registration_revocation and accepts the router's
    # [UNREGISTERED, 0, {registration, reason}]; afterwards the procedure is gone and the callee still connected.
    proc = "com.example.revoke.p{}".format(random.getrandbits(48))
    admin, callee = await ctx.session(), await ctx.session()
    reg = await callee.register(lambda: "here", proc)
    expect(await admin.call(proc) == "here", "call before")
    r = await admin.call("wamp.registration.remove_callee", reg.id, callee._session_id, reason="wamp.error.kicked")
    expect(r is None, "remove_callee returned {}".format(r))
    try:
        await admin.call(proc)
        raise Failed("the removed callee was still called")
    except ApplicationError as err:
        expect(err.error == "wamp.error.no_such_procedure", "got {}".format(err.error))
    expect(callee.is_attached() and isinstance(await callee.call("wamp.session.count"), int), "callee not attached any more")
    try:
        await admin.call("wamp.registration.remove_callee", reg.id, callee._session_id)
        raise Failed("a second remove_callee did not raise")
    except ApplicationError as err:
        expect(err.error == "wamp.error.no_such_registration", "got {}".format(err.error))


async def no_such_realm(ctx):
    try:
        await ctx.session(realm="no.such.realm")
        raise Failed("joined a realm that does not exist")
    except Failed as e:
        expect("wamp.error.no_such_realm" in str(e), str(e))


SCENARIOS = {f.__name__: f for f in [
    rpc, binary, progressive, cancel, timeout, callee_leaves, shared, force_reregister, pattern_rpc,
    caller_disclosure, pubsub, exclude_me, black_white, pattern_pubsub, publisher_disclosure, meta,
    reserved_uri, authorization, authorization_flat, no_such_realm, retained, testament, event_history, remove_subscriber,
    remove_callee]}


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True, action="append", help="repeatable: the nodes of one cluster, taken in turn")
    p.add_argument("--realm", default="realm1")
    p.add_argument("--serializer", default="json", choices=SERIALIZERS)
    p.add_argument("--scenario", action="append", help="repeatable; default: all")
    a = p.parse_args()

    async def scenario(name):
        ctx = Ctx(a.url, a.realm, a.serializer)
        try:
            await SCENARIOS[name](ctx)
        finally:
            try:
                await asyncio.wait_for(ctx.close(), 5)
            except Exception:  # noqa: BLE001 - a session that cannot leave does not fail the scenario
                pass

    return await run_scenarios([(name, lambda name=name: scenario(name)) for name in a.scenario or list(SCENARIOS)])


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
