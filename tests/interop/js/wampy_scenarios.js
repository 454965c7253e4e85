#!/usr/bin/env node
// wampy.js (npm "wampy") against a WAMP router: RPC (with progressive results), pub/sub and
// an error, over WebSocket with the chosen serializer.
//
//   node wampy_scenarios.js --url ws://127.0.0.1:8080/ws --serializer json|msgpack|cbor
//
// Prints "PASS <name>" / "FAIL <name> <why>"; exit code 1 if any failed.
'use strict'
const path = require('path')
const nm = path.join(__dirname, '..', 'node_modules')
const { Wampy } = require(path.join(nm, 'wampy'))
const W3CWebSocket = require(path.join(nm, 'websocket')).w3cwebsocket

function arg (name, def) {
  const i = process.argv.indexOf('--' + name)
  return i > 0 ? process.argv[i + 1] : def
}
const url = arg('url')
const serializerName = arg('serializer', 'json')
const serializers = {
  json: () => new (require(path.join(nm, 'wampy', 'dist', 'cjs', 'serializers', 'json-serializer.cjs')).JsonSerializer)(),
  msgpack: () => new (require(path.join(nm, 'wampy', 'dist', 'cjs', 'serializers', 'msgpack-serializer.cjs')).MsgpackSerializer)(),
  cbor: () => new (require(path.join(nm, 'wampy', 'dist', 'cjs', 'serializers', 'cbor-serializer.cjs')).CborSerializer)()
}

function expect (cond, what) { if (!cond) throw new Error(what) }
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)

async function session () {
  const w = new Wampy(url, { realm: 'realm1', ws: W3CWebSocket, serializer: serializers[serializerName](), autoReconnect: false })
  await w.connect()
  return w
}

const scenarios = {
  async rpc () {
    const callee = await session(); const caller = await session()
    try {
      await callee.register('com.wampy.echo', ({ argsList, argsDict }) => ({ argsList, argsDict }))
      const r = await caller.call('com.wampy.echo', { argsList: [1, 'two', [3]], argsDict: { k: 'ü' } })
      expect(same(r.argsList, [1, 'two', [3]]) && same(r.argsDict, { k: 'ü' }), 'echo ' + JSON.stringify(r))
      await callee.register('com.wampy.fail', () => { const e = new Error('boom'); e.uri = 'com.wampy.error'; throw e })
      try {
        await caller.call('com.wampy.none')
        throw new Error('no error for a missing procedure')
      } catch (e) { expect(e.error === 'wamp.error.no_such_procedure' || (e.errorUri || '').includes('no_such_procedure'), 'got ' + (e.error || e.message)) }
    } finally { await callee.disconnect(); await caller.disconnect() }
  },

  async progressive () {
    const callee = await session(); const caller = await session()
    try {
      await callee.register('com.wampy.count', async ({ details, result_handler: resultHandler }) => {
        for (let i = 0; i < 3; i++) resultHandler({ argsList: [i], options: { progress: true } })
        return { argsList: ['done'] }
      })
      const seen = []
      const r = await caller.call('com.wampy.count', null, { progress_callback: (p) => seen.push(p.argsList[0]) })
      expect(r.argsList[0] === 'done', 'final ' + JSON.stringify(r))
      expect(same(seen, [0, 1, 2]), 'progress ' + JSON.stringify(seen))
    } finally { await callee.disconnect(); await caller.disconnect() }
  },

  async pubsub () {
    const sub = await session(); const pub = await session()
    try {
      let resolve
      const got = new Promise((res) => { resolve = res })
      await sub.subscribe('com.wampy.topic', (e) => resolve(e))
      await pub.publish('com.wampy.topic', { argsList: [42], argsDict: { a: 1 } }, { acknowledge: true })
      const e = await Promise.race([got, new Promise((res, rej) => setTimeout(() => rej(new Error('no event')), 10000))])
      // msgpackr decodes ids above 2^32 (uint64 on the wire) as BigInt, which JSON.stringify refuses.
      expect(same(e.argsList, [42]) && same(e.argsDict, { a: 1 }), 'event ' + JSON.stringify(e, (k, v) => typeof v === 'bigint' ? v.toString() : v))
    } finally { await sub.disconnect(); await pub.disconnect() }
  }
}

async function main () {
  let failed = 0
  for (const name of Object.keys(scenarios)) {
    try {
      await scenarios[name]()
      console.log('PASS ' + name)
    } catch (e) {
      failed++
      console.log('FAIL ' + name + ' ' + (e && (e.stack || JSON.stringify(e))))
    }
  }
  process.exit(failed ? 1 : 0)
}
main()
