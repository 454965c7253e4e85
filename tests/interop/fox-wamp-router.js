#!/usr/bin/env node
// Starts the fox-wamp router (npm "fox-wamp" from tests/interop/node_modules) for the component tests:
// loopback only, WebSocket (wamp.2.json) on path /ws, anonymous access.
//
//   node fox-wamp-router.js [--port 0] [--realm realm1]
//
// --port 0 (the default) takes a free port; the first stdout line tells which:
//   "fox-wamp listening on ws://127.0.0.1:PORT/ws"
'use strict'
const path = require('path')
const FoxRouter = require(path.join(__dirname, 'node_modules', 'fox-wamp'))

function arg (name, def) {
  const i = process.argv.indexOf('--' + name)
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def
}

async function main () {
  const router = new FoxRouter()
  await router.getRealm(arg('realm', 'realm1'))
  const server = router.listenWAMP({ host: '127.0.0.1', port: parseInt(arg('port', '0'), 10), path: '/ws' })
  server.on('listening', () => console.log(`fox-wamp listening on ws://127.0.0.1:${server.address().port}/ws`))
  server.on('error', (e) => { console.error('fox-wamp listen error:', e.message); process.exit(1) })
  const stop = () => { for (const c of server.clients) c.terminate(); server.close(() => process.exit(0)) }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((e) => { console.error(e); process.exit(1) })
