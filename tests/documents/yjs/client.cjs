// A real Yjs client: y-websocket's WebsocketProvider (the browser editor's provider) with
// the `ws` package as its WebSocket, editing the XmlFragment "default" as TipTap does.
//
//   NODE_PATH=frontend/node_modules node tests/documents/yjs/client.cjs CONFIG_JSON
//
// CONFIG_JSON: {"server": "ws://127.0.0.1:PORT/ws/documents", "document": ID,
//   "ticket": TICKET, "name": "who I am", "write": ["paragraphs to add"],
//   "expect": ["paragraphs to wait for"], "timeout_ms": 15000, "linger_ms": 0}
// Prints one JSON line: {"paragraphs": [...], "names": [...], "denied": [...],
//   "synced": true} and exits 0 once every expected paragraph is there (1 on timeout).
'use strict'

const Y = require('yjs')
const { WebsocketProvider } = require('y-websocket')
const WebSocket = require('ws')

const config = JSON.parse(process.argv[2])
const doc = new Y.Doc()
const fragment = doc.getXmlFragment('default')
const denied = []
const originalWarn = console.warn
console.warn = (...args) => {
  // y-websocket reports the server's permission-denied message this way.
  if (String(args[0]).startsWith('Permission denied')) denied.push(String(args[0]).split('\n')[1])
  else originalWarn(...args)
}

const provider = new WebsocketProvider(config.server, `${config.document}/`, doc, {
  WebSocketPolyfill: WebSocket,
  params: { ticket: config.ticket },
  disableBc: true,
})
provider.awareness.setLocalStateField('user', { name: config.name })

const paragraphs = () => fragment.toArray()
  .filter((node) => node instanceof Y.XmlElement)
  .map((node) => node.toArray().map((child) => child.toString()).join(''))
const names = () => Array.from(provider.awareness.getStates().values())
  .map((state) => state.user && state.user.name).filter(Boolean).sort()

const finish = (code) => {
  process.stdout.write(JSON.stringify({
    paragraphs: paragraphs(), names: names(), denied, synced: provider.synced,
  }) + '\n')
  provider.destroy()
  setTimeout(() => process.exit(code), 100)
}

const deadline = setTimeout(() => finish(1), config.timeout_ms || 15000)

provider.on('sync', (synced) => {
  if (!synced) return
  doc.transact(() => {
    for (const text of config.write || []) {
      const paragraph = new Y.XmlElement('paragraph')
      paragraph.insert(0, [new Y.XmlText(text)])
      fragment.push([paragraph])
    }
  })
  const check = () => {
    const have = paragraphs()
    if ((config.expect || []).every((text) => have.includes(text))) {
      clearTimeout(deadline)
      setTimeout(() => finish(0), config.linger_ms || 0)
      return true
    }
    return false
  }
  if (!check()) doc.on('update', check)
})
