// Where a loop's trip count comes from, for the question "does this dimension grow with the
// run-time data?". `isBoundedCollection` (bounds.ts) answers "does the code cap it?"; this answers
// "is it small by what it is": the parts of one string (a command line's arguments, a query's
// tokens, the lines of one chunk), configuration named as such (`appConf`, `serverOptions`), and
// one entity's own tables (`endpoint.binds` inside a loop over endpoints, `lqi.neighbors`): their
// size is fixed by one message, one setting or one device, not by how much data the program holds.
// cpu-heavy-loop asks it of both dimensions of a nested loop and of the collection a heavy call
// runs once per element of; a product of small dimensions is not CPU-heavy work.
import ts from 'typescript';
import {
  calleeName,
  contains,
  enclosingFunction,
  functionName,
  isFunctionLike,
  isLoop,
  nameOf,
  propertyChain,
  skipOuterExpressions,
} from '../ast.js';
import { isBoundedCollection, isConfigName } from './bounds.js';
import { callsNamed } from './calls-by-name.js';
import { constInitializer, findDeclaration } from './declarations.js';
import { arrayLoopCallback } from './loops.js';

/** Names of the parts of one message, line or command: `args`, `queryTokens`, `words`, `modes`. */
const PARTS_NAME =
  /^(args|argv|arguments|tokens|words|parts|segments|pieces|terms|modes)$|[a-z0-9](Args|Tokens|Words|Parts|Segments|Terms)$/;
/** Calls that cut one string into its parts: `s.split(',')`, `s.match(re)`, `tokenize(s)`. */
const SPLITTING_CALL = /^(split|match|matchAll)$|tokeni[sz]e/i;
/**
 * Strings that hold a whole input rather than one line or one value: a request or message body,
 * a file's contents. Their parts grow with the data (`body.split('\n').map(JSON.parse)`).
 */
const WHOLE_INPUT_NAME =
  /^(body|rawBody|payload|contents?|fileContents?|file|csv|ndjson|jsonl|raw|input|text|document|doc|source|src|buffer|buf)$/i;
/** Properties that hold the data an entity carries, not its own small tables: `msg.payload`, `req.body`. */
const CARRIED_DATA_NAME =
  /^(payload|body|data|rows|records|documents|docs|entries|items|values|results|messages|msgs)$/;
/** String conversions that keep the string's size: `data.toString().trim().toLowerCase()`. */
const STRING_CONVERSIONS =
  /^(toString|trim|trimStart|trimEnd|toLowerCase|toUpperCase|normalize|replace|replaceAll)$/;
/** Calls that keep a collection's size (or shrink it): `Object.keys(x)`, `x.slice()`, `x.filter(f)`. */
const SAME_SIZE_CALLS = /^(keys|values|entries|slice|filter|map|concat|reverse|from)$/;

/**
 * Is the collection (or numeric bound) small by what it is, whatever the run-time data:
 * configuration by name, the parts of one string, or one entity's own table?
 * `at` is the loop (or membership call) that iterates it.
 */
export function isSmallByWhatItIs(expression: ts.Expression, at: ts.Node): boolean {
  return (
    isPartsOfOneString(expression, 0) ||
    isConfigNamed(expression) ||
    isOneLookupAnswer(expression) ||
    isFilledPerRoundTrip(expression) ||
    isBuiltFromLiterals(expression, 0) ||
    isParameterSmallAtEveryCall(expression, at) ||
    isOneEntitysTable(expression, at, 0)
  );
}

/**
 * `appConf`, `this.serverOptions`, `Object.keys(routeConfig)`, `this.config.get('excludes')`, or a
 * name initialised from one of them: a collection named or read as configuration.
 */
function isConfigNamed(expression: ts.Expression, depth = 0): boolean {
  const base = collectionBase(expression);
  let chain = propertyChain(base);
  if (ts.isCallExpression(base)) {
    // config.get('list'), this.settings.read(): a read from the configuration
    const callee = skipOuterExpressions(base.expression);
    chain = ts.isPropertyAccessExpression(callee) ? propertyChain(callee.expression) : undefined;
  }
  if (chain?.some(isConfigName)) return true;
  if (ts.isIdentifier(base) && depth < 2) {
    const initializer = constInitializer(base);
    return initializer !== undefined && isConfigNamed(initializer, depth + 1);
  }
  return false;
}

/** DNS answers: `dns.resolveTxt(name, (err, records) => …)` hands over the records of one name. */
const DNS_LOOKUP = /^(resolve(4|6|Any|Caa|Cname|Mx|Naptr|Ns|Ptr|Soa|Srv|Txt)?|lookup|reverse)$/;

/** The records of one DNS answer: a parameter of the callback of a `dns` / resolver look-up. */
function isOneLookupAnswer(expression: ts.Expression): boolean {
  const expr = collectionBase(expression);
  if (!ts.isIdentifier(expr)) return false;
  const declaration = findDeclaration(expr);
  if (declaration?.kind !== 'parameter') return false;
  const call = declaration.fn.parent;
  if (!call || !ts.isCallExpression(call) || !call.arguments.includes(declaration.fn as ts.Expression))
    return false;
  const callee = skipOuterExpressions(call.expression);
  return (
    ts.isPropertyAccessExpression(callee) &&
    DNS_LOOKUP.test(callee.name.text) &&
    /dns|resolver/i.test(nameOf(callee.expression) ?? '')
  );
}

/** Strips `Object.keys(x)`, `x.slice()`, `x.filter(f)`, `x.length`: the collection they are the size of. */
function collectionBase(expression: ts.Expression): ts.Expression {
  let expr = skipOuterExpressions(expression);
  for (let i = 0; i < 5; i++) {
    if (ts.isPropertyAccessExpression(expr) && /^(length|size)$/.test(expr.name.text)) {
      expr = skipOuterExpressions(expr.expression);
    } else if (ts.isCallExpression(expr)) {
      const name = calleeName(expr);
      const callee = skipOuterExpressions(expr.expression);
      if (name === undefined || !SAME_SIZE_CALLS.test(name) || !ts.isPropertyAccessExpression(callee)) break;
      const receiver = skipOuterExpressions(callee.expression);
      // Object.keys(x) / Array.from(x): the argument; x.slice(): the receiver
      if (ts.isIdentifier(receiver) && (receiver.text === 'Object' || receiver.text === 'Array')) {
        if (!expr.arguments[0]) break;
        expr = skipOuterExpressions(expr.arguments[0]);
      } else {
        expr = receiver;
      }
    } else {
      break;
    }
  }
  return expr;
}

/**
 * The parts of one string: `line.split(',')`, `opts.ext.split(',')`, `this.tokenize(query)`, a
 * name holding them (`const words = text.split(' ')`, `args`, `queryTokens`, `data.modes`) —
 * unless the string is a whole input (`body.split('\n')`, a file's contents, a string built by
 * `+=` from chunks), whose lines grow with the data.
 */
function isPartsOfOneString(expression: ts.Expression, depth: number): boolean {
  const expr = collectionBase(expression);
  if (ts.isCallExpression(expr)) {
    const name = calleeName(expr);
    if (name === undefined || !SPLITTING_CALL.test(name)) return false;
    const callee = skipOuterExpressions(expr.expression);
    const subject =
      (name === 'split' || name === 'match' || name === 'matchAll') && ts.isPropertyAccessExpression(callee)
        ? callee.expression
        : expr.arguments[0];
    return subject !== undefined && !isWholeInput(subject);
  }
  const name = nameOf(expr);
  if (name !== undefined && PARTS_NAME.test(name)) return true;
  if (ts.isIdentifier(expr) && isRestParameter(expr)) return true;
  if (ts.isIdentifier(expr) && depth < 2) {
    const initializer = constInitializer(expr);
    return initializer !== undefined && isPartsOfOneString(initializer, depth + 1);
  }
  return false;
}

/**
 * `const done = []; for (const c of clusters) { await bind(c); done.push(c); }`: a list filled one
 * element per awaited round trip (every push sits in a loop that awaits on each turn). It holds
 * as many elements as the program waited for one by one, not a data set it was handed.
 */
function isFilledPerRoundTrip(expression: ts.Expression): boolean {
  const expr = skipOuterExpressions(expression);
  if (!ts.isIdentifier(expr)) return false;
  const initializer = constInitializer(expr);
  if (!initializer) return false;
  const init = skipOuterExpressions(initializer);
  if (!ts.isArrayLiteralExpression(init) || init.elements.length > 0) return false;
  const fn = enclosingFunction(init);
  if (!fn?.body) return false;
  const name = expr.text;
  let pushes = 0;
  let unpaced = false;
  const visit = (node: ts.Node): void => {
    if (unpaced) return;
    if (ts.isCallExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      if (
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(skipOuterExpressions(callee.expression)) &&
        (skipOuterExpressions(callee.expression) as ts.Identifier).text === name &&
        /^(push|unshift|splice|concat)$/.test(callee.name.text)
      ) {
        pushes++;
        if (!insideAwaitingLoop(node, fn)) unpaced = true;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(fn.body);
  return pushes > 0 && !unpaced;
}

/** Is the node inside a loop of `fn` whose body awaits on each turn (not in a nested function)? */
function insideAwaitingLoop(node: ts.Node, fn: ts.Node): boolean {
  for (let current = node.parent; current && current !== fn; current = current.parent) {
    if (isFunctionLike(current)) return false;
    if (isLoop(current) && awaitsDirectly(current.statement)) return true;
  }
  return false;
}

function awaitsDirectly(body: ts.Node): boolean {
  const visit = (node: ts.Node): boolean => {
    if (ts.isAwaitExpression(node)) return true;
    if (isFunctionLike(node)) return false;
    return ts.forEachChild(node, visit) === true;
  };
  return visit(body);
}

/**
 * `const allowed = [...speeds, ...presets]` where `speeds = ['off'].concat(['low', 'high'].filter(f))`:
 * a list assembled from literal lists (spreads, `concat`, `filter`/`map`/`slice` of them) and not
 * grown afterwards is as long as what the code wrote.
 */
function isBuiltFromLiterals(expression: ts.Expression, depth: number): boolean {
  if (depth > 6) return false;
  const expr = skipOuterExpressions(expression);
  if (ts.isArrayLiteralExpression(expr)) {
    return expr.elements.every(
      (element) => !ts.isSpreadElement(element) || isBuiltFromLiterals(element.expression, depth + 1),
    );
  }
  if (ts.isCallExpression(expr)) {
    const callee = skipOuterExpressions(expr.expression);
    if (!ts.isPropertyAccessExpression(callee)) return false;
    const name = callee.name.text;
    if (name === 'concat')
      return (
        isBuiltFromLiterals(callee.expression, depth + 1) &&
        expr.arguments.every((argument) => isBuiltFromLiterals(argument, depth + 1))
      );
    if (/^(filter|map|slice|reverse|sort|flat)$/.test(name))
      return isBuiltFromLiterals(callee.expression, depth + 1);
    return false;
  }
  if (ts.isIdentifier(expr)) {
    if (isBoundedCollection(expr)) return true;
    const initializer = constInitializer(expr);
    return initializer !== undefined && isBuiltFromLiterals(initializer, depth + 1) && !isGrownAfter(expr);
  }
  return false;
}

/** Does the function that declares `name` push to it or write its elements? */
function isGrownAfter(identifier: ts.Identifier): boolean {
  const fn = enclosingFunction(identifier) ?? identifier.getSourceFile();
  const name = identifier.text;
  const isName = (node: ts.Expression): boolean => {
    const e = skipOuterExpressions(node);
    return ts.isIdentifier(e) && e.text === name;
  };
  const visit = (node: ts.Node): boolean => {
    if (ts.isCallExpression(node)) {
      const callee = skipOuterExpressions(node.expression);
      if (
        ts.isPropertyAccessExpression(callee) &&
        isName(callee.expression) &&
        /^(push|unshift|splice)$/.test(callee.name.text)
      )
        return true;
    }
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isElementAccessExpression(node.left) &&
      isName(node.left.expression)
    )
      return true;
    return ts.forEachChild(node, visit) === true;
  };
  return visit(fn);
}

/**
 * `function filterMetrics(current, wanted) { Object.keys(current).filter(…) }` whose every call in
 * the file passes something small: a record the code fills with its own keys
 * (`data["mean_" + pct] = …`), configuration, the parts of one string… The parameter is as
 * small as what its callers hand it. Asked only of parameters of named functions called by name.
 */
function isParameterSmallAtEveryCall(expression: ts.Expression, at: ts.Node): boolean {
  const expr = collectionBase(expression);
  if (!ts.isIdentifier(expr)) return false;
  const declaration = findDeclaration(expr);
  if (declaration?.kind !== 'parameter' || declaration.element) return false;
  const fn = declaration.fn;
  const own = functionName(fn);
  const index = fn.parameters.indexOf(declaration.node);
  if (own === undefined || index < 0 || contains(fn, at) === false) return false;
  const calls = callsNamed(fn.getSourceFile(), own);
  if (calls.length === 0) return false;
  return calls.every((call) => {
    const argument = call.arguments[index];
    if (!argument) return false;
    const arg = skipOuterExpressions(argument);
    return (
      isRecordFilledByTheCode(arg) ||
      isPartsOfOneString(arg, 0) ||
      isConfigNamed(arg) ||
      isBuiltFromLiterals(arg, 0)
    );
  });
}

/**
 * `const data = {}; data["count"] = n; data["mean_" + pct] = m;`: an object whose every key the
 * code names (a literal, or a literal joined with a value): a record of a known shape, not a map
 * keyed by the data (`byId[row.id] = row`).
 */
function isRecordFilledByTheCode(expression: ts.Expression): boolean {
  if (!ts.isIdentifier(expression)) return false;
  const initializer = constInitializer(expression);
  if (!initializer || !ts.isObjectLiteralExpression(skipOuterExpressions(initializer))) return false;
  const fn = enclosingFunction(initializer) ?? expression.getSourceFile();
  const name = expression.text;
  let writes = 0;
  let keyedByData = false;
  const visit = (node: ts.Node): void => {
    if (keyedByData) return;
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isElementAccessExpression(node.left) &&
      ts.isIdentifier(skipOuterExpressions(node.left.expression)) &&
      (skipOuterExpressions(node.left.expression) as ts.Identifier).text === name
    ) {
      writes++;
      if (!isNamedKey(node.left.argumentExpression)) keyedByData = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(fn);
  return writes > 0 && !keyedByData;
}

/** `"count"`, `"mean_" + pct`, `(up ? "upper_" : "lower_") + pct`, `` `sum_${pct}` ``: a key the code names. */
function isNamedKey(key: ts.Expression): boolean {
  const expr = skipOuterExpressions(key);
  if (ts.isStringLiteralLike(expr)) return true;
  if (ts.isTemplateExpression(expr)) return expr.head.text.length > 0;
  if (ts.isConditionalExpression(expr)) return isNamedKey(expr.whenTrue) && isNamedKey(expr.whenFalse);
  if (ts.isBinaryExpression(expr) && expr.operatorToken.kind === ts.SyntaxKind.PlusToken)
    return (
      isNamedKey(expr.left) ||
      (ts.isStringLiteralLike(skipOuterExpressions(expr.right)) && expr.right.getText().length > 2)
    );
  return false;
}

/** `...contexts`: the arguments of one call, as many as its caller wrote. */
function isRestParameter(identifier: ts.Identifier): boolean {
  const declaration = findDeclaration(identifier);
  return (
    declaration?.kind === 'parameter' &&
    declaration.node.dotDotDotToken !== undefined &&
    declaration.element === undefined
  );
}

/** A string that holds a whole input: named so, read from a file, or built with `+=`. */
function isWholeInput(subject: ts.Expression): boolean {
  let expr = skipOuterExpressions(subject);
  // data.toString().trim(), String(x)
  for (let i = 0; i < 5 && ts.isCallExpression(expr); i++) {
    const name = calleeName(expr);
    const callee = skipOuterExpressions(expr.expression);
    if (name === 'String' && expr.arguments[0]) expr = skipOuterExpressions(expr.arguments[0]);
    else if (name !== undefined && STRING_CONVERSIONS.test(name) && ts.isPropertyAccessExpression(callee))
      expr = skipOuterExpressions(callee.expression);
    else break;
  }
  if (ts.isCallExpression(expr)) return /^readFile/.test(calleeName(expr) ?? '');
  const name = nameOf(expr);
  if (name !== undefined && WHOLE_INPUT_NAME.test(name)) return true;
  if (ts.isIdentifier(expr)) {
    const initializer = constInitializer(expr);
    if (initializer && ts.isCallExpression(skipOuterExpressions(initializer)))
      return /^readFile/.test(calleeName(skipOuterExpressions(initializer) as ts.CallExpression) ?? '');
    return isAppendedTo(expr);
  }
  return false;
}

/** `body += chunk` anywhere in the function that uses the name: a string accumulated from chunks. */
function isAppendedTo(identifier: ts.Identifier): boolean {
  let scope: ts.Node | undefined = identifier.parent;
  while (scope && !isFunctionLike(scope) && !ts.isSourceFile(scope)) scope = scope.parent;
  if (!scope) return false;
  const name = identifier.text;
  const visit = (node: ts.Node): boolean =>
    (ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken &&
      ts.isIdentifier(node.left) &&
      node.left.text === name) ||
    ts.forEachChild(node, visit) === true;
  return visit(scope);
}

/**
 * One entity's own table: a collection reached from the element of an enclosing loop
 * (`for (const endpoint of endpoints) … endpoint.binds`, `subflow.instances.forEach(…)` inside a
 * loop over subflows, `const onward = onwards[i]; … onward.length`). Its size is one element's,
 * whatever the number of elements; the enclosing loop is judged on its own. What an element
 * carries as data (`msg.payload`, `req.body`, `doc.rows`) is not a table of its own.
 */
function isOneEntitysTable(expression: ts.Expression, at: ts.Node, depth: number): boolean {
  const expr = collectionBase(expression);
  const chain = propertyChain(expr);
  let root: ts.Expression = expr;
  while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root))
    root = skipOuterExpressions(root.expression);
  if (!ts.isIdentifier(root)) return false;
  if (chain?.slice(1).some((part) => CARRIED_DATA_NAME.test(part))) return false;
  const { elements, indices } = enclosingElements(at);
  if (elements.size === 0 && indices.size === 0) return false;
  if (elements.has(root.text)) return true;
  // `for (let j = 0; j < i; j++)`: a bound that is the outer index grows with the data (triangular)
  for (const index of indices) elements.add(index);
  // `const routingTable = routingTables.get(device)`, `var wires = this.wires[i]`: one element's entry
  if (depth < 1 && root === expr) {
    const initializer = constInitializer(root);
    if (initializer) {
      const init = skipOuterExpressions(initializer);
      if (ts.isElementAccessExpression(init)) {
        const key = skipOuterExpressions(init.argumentExpression);
        return ts.isIdentifier(key) && elements.has(key.text);
      }
      if (ts.isCallExpression(init) && calleeName(init) === 'get' && init.arguments.length === 1) {
        const key = skipOuterExpressions(init.arguments[0]!);
        return ts.isIdentifier(key) && elements.has(key.text);
      }
      return isOneEntitysTable(init, at, depth + 1);
    }
  }
  return false;
}

/**
 * Names that hold one element of a loop enclosing `node`: for-of/for-in variables, the index of
 * a counting `for`, and the element parameter of an inline array callback — up to the first
 * function that is not such a callback.
 */
function enclosingElements(node: ts.Node): { elements: Set<string>; indices: Set<string> } {
  const names = new Set<string>();
  const indices = new Set<string>();
  for (let current = node.parent; current && !ts.isSourceFile(current); current = current.parent) {
    if (
      (ts.isForOfStatement(current) || ts.isForInStatement(current)) &&
      ts.isVariableDeclarationList(current.initializer)
    ) {
      if (contains(current.statement, node))
        for (const d of current.initializer.declarations) addBindingNames(d.name, names);
    } else if (
      ts.isForStatement(current) &&
      current.initializer &&
      ts.isVariableDeclarationList(current.initializer)
    ) {
      if (contains(current.statement, node))
        for (const d of current.initializer.declarations) addBindingNames(d.name, indices);
    } else if (isFunctionLike(current)) {
      const call = current.parent;
      if (!call || !ts.isCallExpression(call) || arrayLoopCallback(call) !== current) break;
      const isReduce = /^reduce(Right)?$/.test(calleeName(call) ?? '');
      const element = current.parameters[isReduce ? 1 : 0];
      if (element) addBindingNames(element.name, names);
    }
  }
  return { elements: names, indices };
}

function addBindingNames(name: ts.BindingName, into: Set<string>): void {
  if (ts.isIdentifier(name)) {
    into.add(name.text);
    return;
  }
  for (const element of name.elements) if (ts.isBindingElement(element)) addBindingNames(element.name, into);
}

/** Names of one request or message: their properties are separate inputs (`req.body.a` × `req.body.b`). */
const MESSAGE_ROOT = /^(msg|message|req|request|ctx|context|event|evt|packet|payload|body|query|params)$/;

/**
 * `for (const key in msg.payload)`, `Object.keys(req.body).forEach(…)`: the fields of one message.
 * A serialisation of each field is one pass over that message, as long as one `JSON.stringify`
 * of it; an array of rows is not fields (`msg.payload.forEach`), nor is a stored map (`timers`).
 */
export function isFieldsOfOneMessage(loop: ts.Node): boolean {
  let object: ts.Expression | undefined;
  if (ts.isForInStatement(loop)) object = loop.expression;
  else {
    const collection = ts.isForOfStatement(loop)
      ? loop.expression
      : ts.isCallExpression(loop) && ts.isPropertyAccessExpression(skipOuterExpressions(loop.expression))
        ? (skipOuterExpressions(loop.expression) as ts.PropertyAccessExpression).expression
        : undefined;
    const call = collection && skipOuterExpressions(collection);
    if (call && ts.isCallExpression(call) && /^(keys|values|entries)$/.test(calleeName(call) ?? ''))
      object = call.arguments[0];
  }
  const chain = object ? propertyChain(object) : undefined;
  return chain?.some((part) => MESSAGE_ROOT.test(part)) === true;
}

/**
 * `data.versions` × `data._attachments` where `data` is the one document a callback is handed:
 * two tables of one record, whose product is that record's own structure. A request's or a
 * message's properties (`req.body.payments` × `req.body.invoices`) are separate inputs, and a
 * store (`this.users` × `this.orders`, a module's `db`) is not handed over as one record.
 */
export function areTablesOfOneRecord(a: ts.Expression, b: ts.Expression): boolean {
  const first = propertyChain(collectionBase(a));
  const second = propertyChain(collectionBase(b));
  if (!first || !second || first.length < 2 || second.length < 2) return false;
  if (first[0] !== second[0] || first[1] === second[1] || MESSAGE_ROOT.test(first[0]!)) return false;
  let root: ts.Expression = skipOuterExpressions(collectionBase(a));
  while (ts.isPropertyAccessExpression(root) || ts.isElementAccessExpression(root))
    root = skipOuterExpressions(root.expression);
  if (!ts.isIdentifier(root)) return false;
  const declaration = findDeclaration(root);
  if (declaration?.kind !== 'parameter') return false;
  // a callback's parameter: the function is an argument of a call (`update(name, (data, cb) => …)`)
  const fn = declaration.fn;
  const parent = fn.parent;
  return (
    (ts.isCallExpression(parent) && parent.arguments.includes(fn as ts.Expression)) ||
    // function updater(data, cb) {…} passed by name is written inline in real code too
    (ts.isFunctionExpression(fn) && ts.isCallExpression(parent))
  );
}
