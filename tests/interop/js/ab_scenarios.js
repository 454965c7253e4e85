#!/usr/bin/env node
// Autobahn|JS (npm "autobahn") scenarios against a WAMP router.
//
//   node ab_scenarios.js --url ws://127.0.0.1:8080/ws --serializer json|msgpack|cbor [--scenario NAME ...]
//   node ab_scenarios.js --url rs://127.0.0.1:8081 [--scenario NAME ...]   (RawSocket: Autobahn|JS speaks JSON only)
//   --url given more than once: a cluster's nodes, taken in turn by each scenario's sessions
//
// Prints "PASS <name>" / "FAIL <name> <why>" per scenario; exit code 1 if any failed.
'use strict'
const path = require('path')
// Autobahn|JS 26 uses the global WebSocket of Node 22+; on Node 20 the npm "ws" package stands in.
if (typeof globalThis.WebSocket === 'undefined') globalThis.WebSocket = require(path.join(__dirname, '..', 'node_modules', 'ws'))
const autobahn = require(path.join(__dirname, '..', 'node_modules', 'autobahn'))
autobahn.log.debug = function () {}

const TIMEOUT = 10000

function arg (name, def) {
  const i = process.argv.indexOf('--' + name)
  return i > 0 ? process.argv[i + 1] : def
}
function args (name) {
  const out = []
  process.argv.forEach((a, i) => { if (a === '--' + name) out.push(process.argv[i + 1]) })
  return out
}

// --url may be repeated (the nodes of one cluster): each scenario's sessions take them in turn.
const urls = args('url')
const realm = arg('realm', 'realm1')
const serializerName = arg('serializer', 'json')

function expect (cond, what) { if (!cond) throw new Error(what) }
function withTimeout (p, what) {
  let t
  return Promise.race([p, new Promise((resolve, reject) => { t = setTimeout(() => reject(new Error('timeout: ' + what)), TIMEOUT) })])
    .finally(() => clearTimeout(t))
}
const deepEqual = (a, b) => JSON.stringify(a) === JSON.stringify(b)

class Ctx {
  constructor () { this.connections = []; this.joined = 0 }

  session (realmName) {
    const url = urls[this.joined++ % urls.length]
    const u = new URL(url)
    const options = { realm: realmName || realm, max_retries: 0, retry_if_unreachable: false }
    if (u.protocol === 'rs:') {
      options.transports = [{ type: 'rawsocket', host: u.hostname, port: parseInt(u.port, 10) }]
    } else {
      const ser = { json: autobahn.serializer.JSONSerializer, msgpack: autobahn.serializer.MsgpackSerializer, cbor: autobahn.serializer.CBORSerializer }[serializerName]
      options.transports = [{ type: 'websocket', url, serializers: [new ser()] }]
    }
    const conn = new autobahn.Connection(options)
    this.connections.push(conn)
    return withTimeout(new Promise((resolve, reject) => {
      conn.onopen = (session) => resolve(session)
      conn.onclose = (reason, details) => { reject(new Error('closed: ' + reason + ' ' + JSON.stringify(details))); return true }
      conn.open()
    }), 'join')
  }

  close () {
    for (const c of this.connections) { try { if (c.isOpen) c.close() } catch (e) {} }
  }
}

const scenarios = {
  async rpc (ctx) {
    const callee = await ctx.session(); const caller = await ctx.session()
    await callee.register('com.example.add2', (a) => a[0] + a[1])
    await callee.register('com.example.echo', (a, kw) => new autobahn.Result(a, kw))
    await callee.register('com.example.fail', () => { throw new autobahn.Error('com.example.error.js', ['bad', 7], { k: 'v' }) })
    expect(await caller.call('com.example.add2', [2, 3]) === 5, 'add2')
    const r = await caller.call('com.example.echo', [1, 'zwei', [3], { four: 4 }], { x: 'ü€𝄞' })
    expect(deepEqual(r.args, [1, 'zwei', [3], { four: 4 }]) && deepEqual(r.kwargs, { x: 'ü€𝄞' }), 'echo ' + JSON.stringify(r))
    try {
      await caller.call('com.example.fail')
      throw new Error('fail did not reject')
    } catch (e) {
      expect(e.error === 'com.example.error.js' && deepEqual(e.args, ['bad', 7]) && deepEqual(e.kwargs, { k: 'v' }), 'error ' + JSON.stringify(e))
    }
    try {
      await caller.call('com.example.none')
      throw new Error('no_such_procedure not raised')
    } catch (e) { expect(e.error === 'wamp.error.no_such_procedure', 'got ' + e.error) }
  },

  async progressive (ctx) {
    const callee = await ctx.session(); const caller = await ctx.session()
    await callee.register('com.example.count', (a, kw, details) => {
      for (let i = 0; i < a[0]; i++) details.progress([i])
      return 'done'
    })
    const seen = []
    const r = await caller.call('com.example.count', [4], {}, { receive_progress: true }).then(
      (res) => res, null, (p) => seen.push(p))
    expect(r === 'done', 'result ' + r)
    expect(deepEqual(seen, [0, 1, 2, 3]), 'progress ' + JSON.stringify(seen))
  },

  async pubsub (ctx) {
    const sub = await ctx.session(); const pub = await ctx.session()
    const got = []
    let done
    const all = new Promise((resolve) => { done = resolve })
    await sub.subscribe('com.example.topic', (a, kw, details) => { got.push([a, kw]); if (got.length === 3) done() })
    for (let i = 0; i < 3; i++) await pub.publish('com.example.topic', [i], { k: i }, { acknowledge: true })
    await withTimeout(all, 'events')
    expect(deepEqual(got, [[[0], { k: 0 }], [[1], { k: 1 }], [[2], { k: 2 }]]), 'events ' + JSON.stringify(got))
  },

  async pattern (ctx) {
    const sub = await ctx.session(); const pub = await ctx.session()
    let resolveTopic
    const topic = new Promise((resolve) => { resolveTopic = resolve })
    await sub.subscribe('com.example.pfx', (a, kw, details) => resolveTopic(details.topic), { match: 'prefix' })
    await pub.publish('com.example.pfx.a.b', [], {}, { acknowledge: true })
    expect(await withTimeout(topic, 'pattern event') === 'com.example.pfx.a.b', 'details.topic')
    await sub.register('com.example..get', (a, kw, details) => details.procedure, { match: 'wildcard' })
    expect(await pub.call('com.example.user.get') === 'com.example.user.get', 'details.procedure')
  },

  async options (ctx) {
    const callee = await ctx.session(); const caller = await ctx.session()
    await callee.register('com.example.who', (a, kw, details) => details.caller, { disclose_caller: true })
    expect(await caller.call('com.example.who') === caller.id, 'disclose_caller')
    const r1 = await ctx.session(); const r2 = await ctx.session()
    await r1.register('com.example.last', () => 1, { invoke: 'last' })
    await r2.register('com.example.last', () => 2, { invoke: 'last' })
    expect(await caller.call('com.example.last') === 2, 'invoke=last')
    const count = await caller.call('wamp.session.count')
    expect(count >= 4, 'wamp.session.count ' + count)
  },

  async retained (ctx) {
    // Event retention: publish retain=true with nobody subscribed; a later get_retained subscriber gets it, flagged retained.
    const base = 'com.example.retained.js' + Math.floor(Math.random() * 1e12) + '.'
    const pub = await ctx.session()
    await pub.publish(base + 'state', ['old'], {}, { acknowledge: true, retain: true })
    await pub.publish(base + 'state', ['new'], { unit: 'C' }, { acknowledge: true, retain: true })
    const sub = await ctx.session()
    let got
    const event = new Promise((resolve) => { got = resolve })
    await sub.subscribe(base, (a, kw, details) => got([a, kw, details.retained, details.topic]), { match: 'prefix', get_retained: true })
    const [a, kw, retained, topic] = await withTimeout(event, 'retained event')
    expect(deepEqual(a, ['new']) && deepEqual(kw, { unit: 'C' }), 'retained payload ' + JSON.stringify([a, kw]))
    expect(retained === true && topic === base + 'state', 'retained flag/topic ' + retained + ' ' + topic)
  },

  async testament (ctx) {
    // Testament meta API: published when the session leaves (here with GOODBYE); a flushed one is not.
    const topic = 'com.example.testament.js'
    const observer = await ctx.session(); const s = await ctx.session()
    const got = []
    let done
    const first = new Promise((resolve) => { done = resolve })
    await observer.subscribe(topic, (a, kw) => { got.push([a, kw]); done() })
    const sid = s.id
    await s.call('wamp.session.add_testament', [topic, ['flushed'], {}])
    await s.call('wamp.session.flush_testaments')
    await s.call('wamp.session.add_testament', [topic, ['bye', sid], { n: 1 }], { scope: 'detached' })
    ctx.connections[1].close()
    await withTimeout(first, 'testament event')
    await observer.call('wamp.session.count') // barrier: a second testament event would have come before this answer
    expect(deepEqual(got, [[['bye', sid], { n: 1 }]]), 'testament events ' + JSON.stringify(got))
  },

  async cancel (ctx) {
    const callee = await ctx.session(); const caller = await ctx.session()
    let started; const isStarted = new Promise((resolve) => { started = resolve })
    await callee.register('com.example.slow', () => { started(); return new Promise(() => {}) })
    const call = caller.call('com.example.slow')
    await withTimeout(isStarted, 'invocation')
    // mode "kill": Autobahn|JS waits for the router's ERROR. Its callee does not announce
    // call_canceling, so the router must answer at once (as for "skip") instead of waiting.
    call.cancel({ mode: 'kill' })
    try {
      await withTimeout(call, 'cancel answer')
      throw new Error('canceled call resolved')
    } catch (e) { expect(e.error === 'wamp.error.canceled', 'got ' + (e.error || e.message)) }
  }
}

async function main () {
  const names = args('scenario')
  let failed = 0
  for (const name of (names.length ? names : Object.keys(scenarios))) {
    const ctx = new Ctx()
    try {
      await scenarios[name](ctx)
      console.log('PASS ' + name)
    } catch (e) {
      failed++
      console.log('FAIL ' + name + ' ' + (e && (e.stack || e.error || JSON.stringify(e))))
    } finally {
      ctx.close()
    }
  }
  process.exit(failed ? 1 : 0)
}

main()
