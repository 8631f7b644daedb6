// cpu-heavy-loop: where a trip count comes from (model/loop-origin.ts). A dimension that is the
// parts of one string (a command's arguments, a query's tokens, the lines of one chunk),
// configuration by name or read, the records of one DNS answer, or one entity's own table is
// small, whatever the data; a whole body's lines, a file's contents and stored records are not.
// Each valid case is the general shape of a look-alike found in real applications (the accuracy
// set's precision samples); each invalid case is what must still be caught next to it.
import { lines, ruleTester } from '../helpers/rule-tester.js';

ruleTester('cpu-heavy-loop', {
  valid: [
    {
      name: "ignores a command's few arguments looked up in a list (`for (const arg of args) channels.find(…)`)",
      code: lines(
        'function argsToChannels(network, args) {',
        '  const targets = [];',
        '  for (const arg of args) {',
        '    const target = network.channels.find((c) => c.name === arg.toLowerCase());',
        '    if (target) targets.push(target);',
        '  }',
        '  return targets;',
        '}',
        "socket.on('input', (cmd) => argsToChannels(cmd.network, cmd.args));",
      ),
    },
    {
      name: "ignores a query's tokens matched against one text's tokens (`queryTokens.filter(t => tokens.includes(t))`)",
      code: lines(
        'class Bus {',
        '  score(text, queryTokens) {',
        '    const tokens = this.tokenize(text);',
        '    return queryTokens.filter((t) => tokens.includes(t)).length;',
        '  }',
        '  examples(examples, queryTokens) {',
        '    return examples.reduce((best, ex) => Math.max(best, queryTokens.filter((t) => ex.includes(t)).length), 0);',
        '  }',
        '}',
        'const bus = new Bus();',
        "robot.on('message', (msg) => bus.score(msg.text, msg.text.split(' ')));",
      ),
    },
    {
      name: "ignores JSON.parse per line of one chunk of a child's output (`data.toString().split('\\n')`)",
      code: lines(
        "const child = spawn('yarn', ['--json']);",
        "child.stdout.on('data', (data) => {",
        "  for (const line of data.toString().trim().split('\\n')) {",
        '    const json = JSON.parse(line);',
        '    if (json.type === "error") log(json.data);',
        '  }',
        '});',
      ),
    },
    {
      name: 'ignores a RegExp per word of one setting string (`pattern.trim().split(/\\s+/)`)',
      code: lines(
        'let allowed = [];',
        "server.on('reload', (unlimitedPattern) => {",
        '  allowed = unlimitedPattern.trim().split(/\\s+/).map((p) => new RegExp(`^${p}$`));',
        '});',
      ),
    },
    {
      name: "ignores one entity's own tables inside a loop over entities (`for (const b of endpoint.binds)`)",
      code: lines(
        "bus.on('deviceChanged', async (devices) => {",
        '  for (const endpoint of devices) {',
        '    const required = [];',
        '    for (const bind of allBinds) if (bind.target === endpoint) required.push(bind.cluster);',
        '    for (const b of endpoint.binds) {',
        '      if (!required.includes(b.cluster)) stale.push(b);',
        '    }',
        '    await endpoint.unbind(stale);',
        '  }',
        '});',
      ),
    },
    {
      name: "ignores one element's two tables (`lqi.neighbors` x its routing table)",
      code: lines(
        "mqtt.on('message', (topic, lqis) => {",
        '  for (const [device, lqi] of lqis) {',
        '    const routes = routingTables.get(device);',
        '    for (const neighbor of lqi.neighbors) {',
        '      for (const entry of routes.table) if (entry.dest === neighbor.addr) links.push(entry);',
        '    }',
        '  }',
        '});',
      ),
    },
    {
      name: 'ignores a RegExp per entry of a list read from the configuration (`this.config.get(…)`)',
      code: lines(
        'exports.loadExcludes = function () {',
        "  const list = this.config.get('clamd.excludes', 'list');",
        '  const skip = [];',
        '  for (const element of list) skip.push(new RegExp(element.slice(1), "i"));',
        '  this.skip = skip;',
        '};',
        "server.on('reload', () => exports.loadExcludes());",
      ),
    },
    {
      name: 'ignores a RegExp per configured rule (`this.rules`) and per configured app (`appConf`)',
      code: lines(
        "app.post('/change', (req, res) => {",
        '  for (const rule of this.rules) rule.re = new RegExp(rule.from);',
        '  appConf.forEach((app) => { if (req.body.names.indexOf(app.name) !== -1) start(app); });',
        '  res.end();',
        '});',
      ),
    },
    {
      name: 'ignores a RegExp per record of one DNS answer (`dns.resolveTxt(name, (err, records) => …)`)',
      code: lines(
        "const dns = require('dns');",
        "server.on('message', (msg) => {",
        '  dns.resolveTxt(msg.domain, (err, records) => {',
        '    for (const segments of records) {',
        "      const record = segments.join('');",
        '      if (new RegExp(`^v=${msg.version}`).test(record)) msg.ok = true;',
        '    }',
        '  });',
        '});',
      ),
    },
    {
      name: 'ignores loops in a script served to web pages (`public/`, reads `window`, loads nothing the Node way)',
      code: lines(
        'window.addEventListener("message", (event) => {',
        '  for (const a of event.data.rows) for (const b of event.data.cols) a.sum += b.value;',
        '});',
        'document.title = "x";',
      ),
      filename: 'public/js/page.js',
    },
    {
      name: 'ignores a copy of the message once the loop has pointed it at the element (a split into messages)',
      code: lines(
        "node.on('input', (msg, send) => {",
        '  const array = msg.payload;',
        '  for (let i = 0; i < array.length; i++) {',
        '    msg.payload = array[i];',
        '    send(RED.util.cloneMessage(msg));',
        '  }',
        '});',
      ),
    },
    {
      name: 'ignores a copy of a message that only triggered the loop (one per catch node)',
      code: lines(
        "node.on('error', (msg) => {",
        '  const candidates = [];',
        '  catchNodes.forEach((n) => candidates.push(n));',
        '  candidates.forEach((c) => c.receive(RED.util.cloneMessage(msg)));',
        '});',
      ),
    },
    {
      name: 'ignores the arguments of one call (`...contexts`) and the fields of each',
      code: lines(
        'class CsvError extends Error {',
        '  constructor(code, message, ...contexts) {',
        '    super(message);',
        '    for (const context of contexts) {',
        '      for (const key in context) this[key] = JSON.parse(JSON.stringify(context[key]));',
        '    }',
        '  }',
        '}',
        "parser.on('data', (row) => { if (!row) throw new CsvError('EMPTY', 'empty row', { row }, opts); });",
      ),
    },
  ],
  invalid: [
    {
      name: "still checks a page script in the project's own sources (its listeners run on the page's main thread)",
      code: lines(
        'window.addEventListener("message", (event) => {',
        '  for (const a of event.data.rows) for (const b of event.data.cols) a.sum += b.value;',
        '});',
      ),
      filename: 'src/page.js',
      errors: [{ messageId: 'nested', line: 2, column: 3, endLine: 2, endColumn: 6 }],
    },
    {
      name: "flags JSON.parse per line of a whole body built with `+=` (`body.split('\\n')`)",
      code: lines(
        "server.on('request', (req, res) => {",
        "  let body = '';",
        "  req.on('data', (chunk) => (body += chunk));",
        "  req.on('end', () => {",
        "    for (const line of body.split('\\n')) store(JSON.parse(line));",
        '    res.end();',
        '  });',
        '});',
      ),
      errors: [{ messageId: 'heavyCall', line: 5, column: 5, endLine: 5, endColumn: 8 }],
    },
    {
      name: "flags a RegExp per line of a file's contents, read per request",
      code: lines(
        "const fs = require('fs');",
        "app.get('/grep', (req, res) => {",
        "  fs.readFile('/var/log/app.log', 'utf8', (err, text) => {",
        "    const hits = text.split('\\n').filter((l) => new RegExp(req.query.q).test(l));",
        '    res.json(hits);',
        '  });',
        '});',
      ),
      errors: [{ messageId: 'heavyCall', line: 4, column: 18, endLine: 4, endColumn: 41 }],
    },
    {
      name: 'flags a deep clone of the message per row of its payload (`RED.util.cloneMessage(msg)`)',
      code: lines(
        "node.on('input', (msg, send) => {",
        '  const rows = parse(msg.payload);',
        '  for (let i = 0; i < rows.length; i++) {',
        '    const out = RED.util.cloneMessage(msg);',
        '    out.payload = rows[i];',
        '    send(out);',
        '  }',
        '});',
      ),
      errors: [
        {
          messageId: 'heavyCall',
          line: 3,
          column: 3,
          endLine: 3,
          endColumn: 6,
          data: { call: 'RED.util.cloneMessage()', per: 'once per element of ``rows``' },
        },
      ],
    },
    {
      name: 'still flags what an element carries as data (`msg.payload`) against another collection',
      code: lines(
        "node.on('input', async (msgs) => {",
        '  for (const msg of msgs) {',
        '    await flush();',
        '    for (const row of msg.payload) {',
        '      for (const known of allRows) if (known.id === row.id) row.dup = true;',
        '    }',
        '  }',
        '});',
      ),
      errors: [{ messageId: 'nested', line: 4, column: 5, endLine: 4, endColumn: 8 }],
    },
  ],
});
