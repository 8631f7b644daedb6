// Queues and streams in the shapes real code writes them (issue 13 item 6): member FIFOs reached
// through `const node = this` and `const { queue } = this`, loop conditions that are not capacity
// checks, queues a writable's `_write` bounds, and writes that are one piece of output or a reply.
import { lines, ruleTester } from '../helpers/rule-tester.js';

ruleTester('unbounded-array-queue', {
  valid: [
    {
      name: 'a queue fed in `_write` that holds the callback is bounded by the stream',
      code: lines(
        "import { Writable } from 'node:stream';",
        'class Receiver extends Writable {',
        '  constructor() { super(); this.jobs = []; }',
        '  _write(chunk, encoding, cb) { this.jobs.push({ chunk, cb }); this.next(); }',
        '  async next() { const job = this.jobs.shift(); if (job) await parse(job.chunk, job.cb); }',
        '}',
      ),
    },
    {
      name: 'a sliding window: the same call pushes and takes the oldest out, nothing accumulates',
      code: lines(
        'const recent = [];',
        "socket.on('data', (sample) => {",
        '  recent.push(sample);',
        '  const oldest = recent.shift();',
        '  report(oldest);',
        '});',
      ),
    },
    {
      name: 'a capacity check through `const node = this` bounds the member queue',
      code: lines(
        'function TcpNode(config) {',
        '  const node = this;',
        '  node.msgQueue = [];',
        "  node.on('input', (msg) => {",
        '    if (node.msgQueue.length >= config.queueSize) node.msgQueue.shift();',
        '    node.msgQueue.push(msg);',
        '  });',
        "  client.on('drain', () => send(node.msgQueue.shift()));",
        '}',
      ),
    },
  ],
  invalid: [
    {
      name: 'one function feeds and drains, returning while busy and calling itself when the item is done',
      code: lines(
        'function JoinNode(config) {',
        '  const node = this;',
        '  let pending = [];',
        '  let active = null;',
        '  const processQueue = function (msg) {',
        '    if (msg) {',
        '      pending.push(msg);',
        '      if (active !== null) return;',
        '    }',
        '    if (pending.length === 0) { active = null; return; }',
        '    const next = pending.shift();',
        '    active = true;',
        '    reduce(next, () => { active = null; processQueue(); });',
        '  };',
        "  node.on('input', (msg) => processQueue(msg));",
        '}',
      ),
      errors: [{ messageId: 'unbounded', line: 7, column: 7, endLine: 7, endColumn: 24 }],
    },
    {
      name: "a per-node queue reached through `const node = this` (push on 'input', shift after each write)",
      code: lines(
        'function FileNode(config) {',
        '  const node = this;',
        '  this.msgQueue = [];',
        "  node.on('input', (msg) => {",
        '    node.msgQueue.push(msg);',
        '    if (node.msgQueue.length === 1) processMsg(node.msgQueue[0]);',
        '  });',
        '  function done() {',
        '    node.msgQueue.shift();',
        '    if (node.msgQueue.length > 0) processMsg(node.msgQueue[0]);',
        '  }',
        '}',
      ),
      errors: [{ messageId: 'unbounded', line: 5, column: 5, endLine: 5, endColumn: 28 }],
    },
    {
      name: 'an offline queue drained through `const { queue } = this`, walked by a `for` that checks nothing',
      code: lines(
        'class Client {',
        '  constructor() {',
        '    this.queue = [];',
        "    this.on('connect', () => {",
        '      const { queue } = this;',
        '      const deliver = () => { const entry = queue.shift(); if (entry) this.send(entry, deliver); };',
        '      deliver();',
        '    });',
        '  }',
        '  dump() { for (let i = 0; i < this.queue.length; i++) log(this.queue[i]); }',
        "  onPublish(packet) { socket.on('data', () => this.queue.push(packet)); }",
        '}',
      ),
      errors: [{ messageId: 'unbounded', line: 11, column: 47, endLine: 11, endColumn: 70 }],
    },
  ],
});

ruleTester('ignored-backpressure', {
  valid: [
    {
      name: 'a single write followed by end() on a fresh stream, from a timer',
      code: lines(
        "import fs from 'node:fs';",
        'setInterval(() => {',
        "  const logFile = fs.createWriteStream(path, { flags: 'a+' });",
        '  logFile.write(report());',
        '  logFile.end();',
        '}, 10000);',
      ),
    },
    {
      name: 'one write to each of a few streams, in a function no producer feeds',
      code: lines(
        "import net from 'node:net';",
        'const peers = servers.map((s) => net.connect(s.port, s.host));',
        'export function announce(text) {',
        '  for (const peer of peers) peer.write(text);',
        '}',
      ),
    },
    {
      name: 'one reply per line on the connection the line came from',
      code: lines(
        "import net from 'node:net';",
        'net.createServer((socket) => {',
        "  socket.on('data', (line) => { socket.write(answer(line)); });",
        '});',
      ),
    },
  ],
  invalid: [
    {
      name: 'every chunk a socket delivers relayed to each player in a loop (method bound as the handler)',
      code: lines(
        'const sessions = new Map();',
        'class Session {',
        '  constructor(socket) {',
        '    this.players = new Set();',
        "    socket.on('data', this.onSocketData.bind(this));",
        '  }',
        '  onSocketData(data) { this.handle(data); }',
        '  handle(packet) {',
        '    for (const id of this.players) {',
        '      const player = sessions.get(id);',
        '      if (player.idle) player.res.cork();',
        '      if (player.rtmp) player.res.write(packet);',
        '      else player.res.write(wrap(packet));',
        '    }',
        '  }',
        '}',
      ),
      errors: [{ messageId: 'relayed', line: 12, column: 24, endLine: 12, endColumn: 48 }],
    },
    {
      name: "every 'input' message written to a socket opened later, closed only when configured",
      code: lines(
        "import net from 'node:net';",
        'function TcpOut(config) {',
        '  let client = null;',
        '  const connect = () => { client = net.connect(config.port, config.host); };',
        '  connect();',
        "  this.on('input', (msg) => {",
        '    if (Buffer.isBuffer(msg.payload)) client.write(msg.payload);',
        '    else client.write(Buffer.from(String(msg.payload)));',
        '    if (config.end) client.destroy();',
        '  });',
        '}',
      ),
      errors: [{ messageId: 'producer', line: 7, column: 39, endLine: 7, endColumn: 64 }],
    },
    {
      name: 'every message of one socket written to another',
      code: lines(
        "import net from 'node:net';",
        "const out = net.connect(4000, 'relay');",
        "source.on('data', (chunk) => { out.write(chunk); });",
      ),
      errors: [{ messageId: 'producer', line: 3, column: 32, endLine: 3, endColumn: 48 }],
    },
  ],
});

ruleTester('unbounded-array-queue', {
  valid: [],
  invalid: [
    {
      name: 'a member queue drained by a helper it is passed to (`processQueue(msgQueue)`)',
      code: lines(
        'function FileNode(config) {',
        '  var node = this;',
        '  node.msgQueue = [];',
        '  function processQueue(queue) {',
        '    write(queue[0], () => { queue.shift(); if (queue.length > 0) processQueue(queue); });',
        '  }',
        "  this.on('input', (msg) => {",
        '    var msgQueue = node.msgQueue;',
        '    msgQueue.push(msg);',
        '    if (msgQueue.length === 1) processQueue(msgQueue);',
        '  });',
        '}',
      ),
      errors: [{ messageId: 'unbounded', line: 9, column: 5, endLine: 9, endColumn: 23 }],
    },
  ],
});
