#!/usr/bin/env node
// Autobahn|JS caller: joins, calls one procedure --count times, prints "RESULT <json>" per call.
//
//   node call_procedure.js --url ws://127.0.0.1:8080/ws --procedure com.timeservice.now [--realm realm1] [--count 1]
//
// Exit 0 when every call succeeded, 1 otherwise ("ERROR <why>").
'use strict'
const path = require('path')
if (typeof globalThis.WebSocket === 'undefined') globalThis.WebSocket = require(path.join(__dirname, '..', 'node_modules', 'ws'))
const autobahn = require(path.join(__dirname, '..', 'node_modules', 'autobahn'))
autobahn.log.debug = function () {}

function arg (name, def) {
  const i = process.argv.indexOf('--' + name)
  return i > 0 ? process.argv[i + 1] : def
}

const connection = new autobahn.Connection({
  realm: arg('realm', 'realm1'),
  max_retries: 0,
  retry_if_unreachable: false,
  transports: [{ type: 'websocket', url: arg('url'), serializers: [new autobahn.serializer.JSONSerializer()] }]
})
const timer = setTimeout(() => { console.log('ERROR timeout'); process.exit(1) }, 20000)

connection.onopen = async (session) => {
  try {
    for (let i = 0; i < parseInt(arg('count', '1'), 10); i++) {
      const result = await session.call(arg('procedure'))
      console.log('RESULT ' + JSON.stringify(result))
    }
    clearTimeout(timer)
    connection.close()
    process.exit(0)
  } catch (e) {
    console.log('ERROR ' + JSON.stringify(e.error || e.message) + ' ' + JSON.stringify(e.args || []))
    process.exit(1)
  }
}
connection.onclose = (reason, details) => { console.log('ERROR closed ' + reason); process.exit(1) }
connection.open()
