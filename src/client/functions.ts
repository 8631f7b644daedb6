// Finds the functions of a TS/JS file that the profiler can call, with a small tokenizer instead of
// the TypeScript compiler: the extension host must stay light (bundling `typescript` into the
// extension adds ~120 ms to activation), and the server owns the real analysis.
// Pure: no `vscode` import, offsets only.

export interface ParameterInfo {
  /** the binding name, or the pattern text (`{ a, b }`) for a destructured parameter */
  name: string;
  /** the type annotation's text, when there is one */
  type?: string;
  /** `x?: T`, `x = 1` or `...rest`: may be left out of the argument list */
  optional: boolean;
}

export interface FunctionInfo {
  /** what `profileFunction` accepts: `fib`, `default`, `Matrix.create`, `Matrix.prototype.multiply` */
  path: string;
  /** offset of the first character of the declaration (including `export`, modifiers) */
  start: number;
  /** offset just after the body */
  end: number;
  /** offset of the name (or of `function` / the member start), where a CodeLens goes */
  nameOffset: number;
  parameters: ParameterInfo[];
}

type TokenKind = 'ident' | 'punct' | 'literal';

interface Token {
  kind: TokenKind;
  value: string;
  start: number;
  end: number;
  /** a line break separates this token from the previous one */
  newline: boolean;
}

const KEYWORDS_BEFORE_EXPRESSION = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);

const THREE_CHAR = new Set(['...', '===', '!==', '**=', '<<=', '>>=', '&&=', '||=', '??=']);
const TWO_CHAR = new Set([
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '?.',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '**',
]);

/** Tokens of JS/TS source: strings, templates, regexes and comments are skipped correctly. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  // 'brace' for `{`, 'template' for a `${` whose `}` resumes a template literal
  const braces: Array<'brace' | 'template'> = [];
  let i = 0;
  let newline = false;
  const push = (kind: TokenKind, start: number, end: number) => {
    tokens.push({ kind, value: text.slice(start, end), start, end, newline });
    newline = false;
  };
  const scanTemplate = (from: number): number => {
    // from: just after '`' or after the '}' that closes a `${`
    let j = from;
    while (j < text.length) {
      const c = text[j];
      if (c === '\\') j += 2;
      else if (c === '`') return j + 1;
      else if (c === '$' && text[j + 1] === '{') {
        braces.push('template');
        return j + 2;
      } else j++;
    }
    return j;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      newline = true;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\uFEFF') {
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close === -1 ? text.length : close + 2;
      if (text.slice(i, end).includes('\n')) newline = true;
      i = end;
    } else if (c === '#' && i === 0 && text[1] === '!') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      const start = i++;
      while (i < text.length && text[i] !== c && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      push('literal', start, ++i);
    } else if (c === '`') {
      const start = i;
      i = scanTemplate(i + 1);
      push('literal', start, i);
    } else if (c === '}' && braces[braces.length - 1] === 'template') {
      braces.pop();
      const start = i;
      i = scanTemplate(i + 1);
      push('literal', start, i);
    } else if (/[A-Za-z_$\u00A0-\uFFFF#@]/.test(c)) {
      const start = i++;
      while (i < text.length && /[\w$\u00A0-\uFFFF]/.test(text[i]!)) i++;
      push('ident', start, i);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const start = i++;
      while (i < text.length && /[\w.]/.test(text[i]!)) i++;
      push('literal', start, i);
    } else if (c === '/' && regexAllowed(tokens[tokens.length - 1])) {
      const start = i++;
      let inClass = false;
      while (i < text.length && text[i] !== '\n') {
        const r = text[i];
        if (r === '\\') i++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < text.length && /\w/.test(text[i]!)) i++;
      push('literal', start, i);
    } else {
      const three = text.slice(i, i + 3);
      const two = text.slice(i, i + 2);
      const length = THREE_CHAR.has(three) ? 3 : TWO_CHAR.has(two) ? 2 : 1;
      if (c === '{') braces.push('brace');
      else if (c === '}') braces.pop();
      push('punct', i, i + length);
      i += length;
    }
  }
  return tokens;
}

function regexAllowed(previous: Token | undefined): boolean {
  if (!previous) return true;
  if (previous.kind === 'literal') return false;
  if (previous.kind === 'ident') return KEYWORDS_BEFORE_EXPRESSION.has(previous.value);
  return !(previous.value === ')' || previous.value === ']');
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** Index of the token that closes the bracket at `open` (or the last token). */
function matching(tokens: Token[], open: number): number {
  const stack: string[] = [];
  for (let i = open; i < tokens.length; i++) {
    const value = tokens[i]!.value;
    if (tokens[i]!.kind !== 'punct') continue;
    if (OPEN[value]) stack.push(OPEN[value]!);
    else if (value === ')' || value === ']' || value === '}') {
      stack.pop();
      if (stack.length === 0) return i;
    }
  }
  return tokens.length - 1;
}

/** Skips a `<…>` type parameter list starting at `i`; returns the index after it. */
function skipAngles(tokens: Token[], i: number): number {
  if (tokens[i]?.value !== '<') return i;
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    const value = tokens[j]!.value;
    if (value === '<') depth++;
    else if (value === '>') {
      depth--;
      if (depth === 0) return j + 1;
    } else if (OPEN[value]) j = matching(tokens, j);
  }
  return tokens.length;
}

/**
 * After a parameter list's `)`: skips a return type annotation; returns the index of the body's
 * `{` (or of `=>` for arrows), or -1 when there is no body (an overload or a declaration).
 */
function bodyAfterParameters(tokens: Token[], close: number, arrow: boolean): number {
  let i = close + 1;
  if (tokens[i]?.value === ':') {
    i++;
    while (i < tokens.length) {
      const token = tokens[i]!;
      if (arrow && token.value === '=>') return i;
      if (token.value === '{') {
        // `): { a: number } {`: an object type is followed by the body's `{`
        const end = matching(tokens, i);
        const next = tokens[end + 1];
        if (!arrow && next?.value === '{') i = end + 1;
        else if (arrow && next?.value === '=>') return end + 1;
        else if (!arrow) return i;
        else i = end + 1;
        continue;
      }
      if (token.value === ';' || (token.newline && i > close + 2 && isStatementStart(token))) return -1;
      if (OPEN[token.value]) i = matching(tokens, i) + 1;
      else if (token.value === '<') i = skipAngles(tokens, i);
      else i++;
    }
    return -1;
  }
  const token = tokens[i];
  if (arrow) return token?.value === '=>' ? i : -1;
  return token?.value === '{' ? i : -1;
}

function isStatementStart(token: Token): boolean {
  return (
    token.kind === 'ident' &&
    ['export', 'function', 'const', 'let', 'var', 'class', 'import', 'async', 'interface', 'type'].includes(
      token.value,
    )
  );
}

/** End token index of an arrow function's body starting after `=>` at `arrow`. */
function arrowBodyEnd(tokens: Token[], arrow: number): number {
  const first = arrow + 1;
  if (tokens[first]?.value === '{') return matching(tokens, first);
  let i = first;
  let last = first;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (token.value === ';' || token.value === ')' || token.value === ']' || token.value === '}') break;
    if (i > first && token.newline && isStatementStart(token)) break;
    if (token.value === ',') break;
    if (OPEN[token.value]) i = matching(tokens, i);
    last = i;
    i++;
  }
  return last;
}

function parameters(text: string, tokens: Token[], open: number, close: number): ParameterInfo[] {
  const result: ParameterInfo[] = [];
  let i = open + 1;
  while (i < close) {
    const start = i;
    let colon = -1;
    let equals = -1;
    while (i < close && tokens[i]!.value !== ',') {
      const value = tokens[i]!.value;
      if (value === ':' && colon === -1 && equals === -1) colon = i;
      else if (value === '=' && equals === -1) equals = i;
      if (OPEN[value]) i = matching(tokens, i);
      else if (value === '<') i = skipAngles(tokens, i) - 1;
      i++;
    }
    const end = i;
    i++;
    if (end === start) continue;
    let first = start;
    while (
      first < end &&
      tokens[first]!.kind === 'ident' &&
      ['public', 'private', 'protected', 'readonly', 'override'].includes(tokens[first]!.value) &&
      tokens[first + 1]?.kind === 'ident'
    ) {
      first++;
    }
    const rest = tokens[first]!.value === '...';
    const nameStart = rest ? first + 1 : first;
    const nameEnd = colon !== -1 ? colon : equals !== -1 ? equals : end;
    let name = text.slice(tokens[nameStart]!.start, tokens[Math.max(nameStart, nameEnd - 1)]!.end);
    const questionMark = name.endsWith('?');
    if (questionMark) name = name.slice(0, -1);
    if (name === 'this') continue; // a `this` parameter is a type annotation, not an argument
    const typeEnd = equals !== -1 ? equals : end;
    const type =
      colon !== -1 && colon + 1 < typeEnd
        ? text.slice(tokens[colon + 1]!.start, tokens[typeEnd - 1]!.end)
        : undefined;
    result.push({ name, ...(type ? { type } : {}), optional: rest || questionMark || equals !== -1 });
  }
  return result;
}

const MEMBER_MODIFIERS = new Set([
  'static',
  'async',
  'public',
  'private',
  'protected',
  'readonly',
  'override',
  'abstract',
  'declare',
  'accessor',
]);

function classMembers(text: string, tokens: Token[], className: string, open: number, close: number) {
  const found: FunctionInfo[] = [];
  let i = open + 1;
  while (i < close) {
    const start = i;
    let isStatic = false;
    let skip = false;
    while (i < close) {
      const token = tokens[i]!;
      const next = tokens[i + 1];
      const isModifier =
        token.kind === 'ident' &&
        MEMBER_MODIFIERS.has(token.value) &&
        next !== undefined &&
        next.value !== '(' &&
        next.value !== '=' &&
        next.value !== ':' &&
        next.value !== ';';
      const isAccessor =
        token.kind === 'ident' &&
        (token.value === 'get' || token.value === 'set') &&
        next !== undefined &&
        next.value !== '(' &&
        next.value !== '=' &&
        next.value !== ':';
      if (isModifier) {
        if (token.value === 'static') isStatic = true;
        i++;
      } else if (isAccessor) {
        skip = true;
        i++;
      } else if (token.value === '*' || token.value === '@') {
        if (token.value === '@') {
          // a decorator: @name or @name(...)
          i += 2;
          while (tokens[i]?.value === '.') i += 2;
          if (tokens[i]?.value === '(') i = matching(tokens, i) + 1;
        } else i++;
      } else break;
    }
    const nameToken = tokens[i];
    if (!nameToken) break;
    if (nameToken.value === 'static' && tokens[i + 1]?.value === '{') {
      i = matching(tokens, i + 1) + 1;
      continue;
    }
    if (nameToken.value === ';' || nameToken.value === ',') {
      i++;
      continue;
    }
    let j = i + 1;
    if (nameToken.value === '[') j = matching(tokens, i) + 1;
    if (tokens[j]?.value === '?' || tokens[j]?.value === '!') j++;
    j = skipAngles(tokens, j);
    if (tokens[j]?.value === '(') {
      const paramsClose = matching(tokens, j);
      const body = bodyAfterParameters(tokens, paramsClose, false);
      const end = body === -1 ? paramsClose : matching(tokens, body);
      const name = nameToken.value;
      if (
        body !== -1 &&
        !skip &&
        nameToken.kind === 'ident' &&
        name !== 'constructor' &&
        !name.startsWith('#')
      ) {
        found.push({
          path: isStatic ? `${className}.${name}` : `${className}.prototype.${name}`,
          start: tokens[start]!.start,
          end: tokens[end]!.end,
          nameOffset: nameToken.start,
          parameters: parameters(text, tokens, j, paramsClose),
        });
      }
      i = end + 1;
      continue;
    }
    // a property: skip to the end of its initializer
    while (j < close && tokens[j]!.value !== ';') {
      if (OPEN[tokens[j]!.value]) j = matching(tokens, j);
      j++;
      if (tokens[j]?.newline && tokens[j - 1]?.value !== '=' && !isContinuation(tokens[j]!)) break;
    }
    i = Math.max(j, i + 1);
  }
  return found;
}

function isContinuation(token: Token): boolean {
  return token.kind === 'punct' && !['(', '[', '{', '@', '*', '#'].includes(token.value);
}

/** The top-level functions, const arrows and class methods of a file, in source order. */
export function findFunctions(text: string): FunctionInfo[] {
  const tokens = tokenize(text);
  const found: FunctionInfo[] = [];
  let i = 0;
  while (i < tokens.length) {
    const start = i;
    let isDefault = false;
    while (
      ['export', 'declare', 'abstract'].includes(tokens[i]?.value ?? '') &&
      tokens[i]!.kind === 'ident'
    ) {
      i++;
      if (tokens[i]?.value === 'default') {
        isDefault = true;
        i++;
      }
    }
    const token = tokens[i];
    if (!token) break;
    if (token.value === 'async' && tokens[i + 1]?.value === 'function') i++;
    const keyword = tokens[i]!;
    if (keyword.kind === 'ident' && keyword.value === 'function') {
      let j = i + 1;
      if (tokens[j]?.value === '*') j++;
      let name = isDefault ? 'default' : undefined;
      let nameOffset = keyword.start;
      if (tokens[j]?.kind === 'ident') {
        name ??= tokens[j]!.value;
        nameOffset = tokens[j]!.start;
        j++;
      }
      j = skipAngles(tokens, j);
      if (tokens[j]?.value === '(' && name) {
        const close = matching(tokens, j);
        const body = bodyAfterParameters(tokens, close, false);
        if (body !== -1) {
          const end = matching(tokens, body);
          found.push({
            path: name,
            start: tokens[start]!.start,
            end: tokens[end]!.end,
            nameOffset,
            parameters: parameters(text, tokens, j, close),
          });
          i = end + 1;
          continue;
        }
        i = close + 1;
        continue;
      }
    } else if (keyword.kind === 'ident' && keyword.value === 'class') {
      let j = i + 1;
      let name = isDefault ? 'default' : undefined;
      if (
        tokens[j]?.kind === 'ident' &&
        tokens[j]!.value !== 'extends' &&
        tokens[j]!.value !== 'implements'
      ) {
        name ??= tokens[j]!.value;
        j++;
      }
      while (j < tokens.length && tokens[j]!.value !== '{') {
        if (tokens[j]!.value === '(' || tokens[j]!.value === '[') j = matching(tokens, j);
        else if (tokens[j]!.value === '<') {
          j = skipAngles(tokens, j);
          continue;
        }
        j++;
      }
      if (j >= tokens.length) break;
      const close = matching(tokens, j);
      if (name) found.push(...classMembers(text, tokens, name, j, close));
      i = close + 1;
      continue;
    } else if (
      keyword.kind === 'ident' &&
      (keyword.value === 'const' || keyword.value === 'let' || keyword.value === 'var') &&
      tokens[i + 1]?.kind === 'ident'
    ) {
      const nameToken = tokens[i + 1]!;
      let j = i + 2;
      if (tokens[j]?.value === '!') j++;
      if (tokens[j]?.value === ':') {
        // `const f: (n: number) => number = (n) => …`: skip the type up to the `=` at depth 0
        j++;
        while (j < tokens.length && tokens[j]!.value !== '=' && tokens[j]!.value !== ';') {
          if (OPEN[tokens[j]!.value]) j = matching(tokens, j);
          else if (tokens[j]!.value === '<') {
            j = skipAngles(tokens, j);
            continue;
          }
          j++;
        }
      }
      if (tokens[j]?.value === '=') {
        const function_ = valueFunction(text, tokens, j + 1);
        if (function_) {
          found.push({
            path: nameToken.value,
            start: tokens[start]!.start,
            end: tokens[function_.end]!.end,
            nameOffset: nameToken.start,
            parameters: function_.parameters,
          });
          i = function_.end + 1;
          continue;
        }
      }
    }
    // anything else: skip one statement-level token (brackets as a whole)
    i = OPEN[tokens[i]!.value] ? matching(tokens, i) + 1 : i + 1;
  }
  return found;
}

/** `function …`, `async (…) => …`, `x => …` at `i`: its parameters and the index of its last token. */
function valueFunction(
  text: string,
  tokens: Token[],
  i: number,
): { parameters: ParameterInfo[]; end: number } | undefined {
  if (tokens[i]?.value === 'async' && tokens[i + 1] && !tokens[i + 1]!.newline) i++;
  const token = tokens[i];
  if (!token) return undefined;
  if (token.value === 'function') {
    let j = i + 1;
    if (tokens[j]?.value === '*') j++;
    if (tokens[j]?.kind === 'ident') j++;
    j = skipAngles(tokens, j);
    if (tokens[j]?.value !== '(') return undefined;
    const close = matching(tokens, j);
    const body = bodyAfterParameters(tokens, close, false);
    if (body === -1) return undefined;
    return { parameters: parameters(text, tokens, j, close), end: matching(tokens, body) };
  }
  if (token.kind === 'ident' && tokens[i + 1]?.value === '=>') {
    return {
      parameters: [{ name: token.value, optional: false }],
      end: arrowBodyEnd(tokens, i + 1),
    };
  }
  const j = skipAngles(tokens, i);
  if (tokens[j]?.value !== '(') return undefined;
  const close = matching(tokens, j);
  const arrow = bodyAfterParameters(tokens, close, true);
  if (arrow === -1) return undefined;
  return { parameters: parameters(text, tokens, j, close), end: arrowBodyEnd(tokens, arrow) };
}

/** The innermost function whose declaration contains `offset`. */
export function functionAt(functions: readonly FunctionInfo[], offset: number): FunctionInfo | undefined {
  let best: FunctionInfo | undefined;
  for (const candidate of functions) {
    if (candidate.start <= offset && offset <= candidate.end) {
      if (!best || candidate.start >= best.start) best = candidate;
    }
  }
  return best;
}

/**
 * A JSON argument list to start from, built from the parameter types: `0` for numbers, `""` for
 * strings, `[]` for arrays, `{}` for objects, `null` when the type says nothing useful. Trailing
 * optional parameters are left out, so their defaults apply.
 */
export function defaultArguments(parameters: readonly ParameterInfo[]): string {
  let count = parameters.length;
  while (count > 0 && parameters[count - 1]!.optional) count--;
  return `[${parameters
    .slice(0, count)
    .map((parameter) => JSON.stringify(placeholderFor(parameter)))
    .join(', ')}]`;
}

function placeholderFor(parameter: ParameterInfo): unknown {
  const type = parameter.type?.replace(/\s+/g, ' ').trim();
  if (!type) {
    if (parameter.name.startsWith('{')) return {};
    if (parameter.name.startsWith('[')) return [];
    return null;
  }
  if (/\[\]$|^(Readonly)?Array<|^\[|^readonly /.test(type)) return [];
  if (/^(Float|Int|Uint|BigInt|BigUint)\d+(Clamped)?Array$/.test(type)) return [];
  if (type === 'number') return 0;
  if (type === 'string') return '';
  if (type === 'boolean') return false;
  if (/^(\{|Record<|object$|Partial<|Map<)/.test(type)) return {};
  return null;
}
