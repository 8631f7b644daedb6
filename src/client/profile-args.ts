// Arguments for a profiled function: a JSON list to start from when JSON can express them, and the
// typed args module template ("Create Args Module") when it cannot (a Buffer, a class instance, a
// method's `this`). Pure: no `vscode` import, so it is unit-tested in Node.
import type { FunctionRange } from '../shared/protocol.js';

type Parameter = FunctionRange['parameters'][number];

/** Types a JSON argument list can hold; anything else (Buffer, class instances, Map) needs an args module. */
const JSON_TYPE =
  /^(number|string|boolean|null|(number|string|boolean)\[\]|Array<(number|string|boolean)>|Record<string, (number|string|boolean)>)$/;

/** True when JSON can express every required argument and no `this` is needed. */
export function jsonCanExpress(fn: FunctionRange): boolean {
  return (
    !fn.isMethod &&
    requiredParameters(fn.parameters).every((p) => p.type !== undefined && JSON_TYPE.test(compact(p.type)))
  );
}

/**
 * A JSON argument list to start from when JSON can express the arguments (numbers 10, strings
 * "example", empty arrays); trailing optional parameters are left out so their defaults apply.
 */
export function defaultArguments(parameters: readonly Parameter[]): string {
  return `[${requiredParameters(parameters)
    .map((parameter) => JSON.stringify(jsonPlaceholder(compact(parameter.type ?? ''))))
    .join(', ')}]`;
}

function requiredParameters(parameters: readonly Parameter[]): Parameter[] {
  let count = parameters.length;
  while (count > 0 && parameters[count - 1]!.optional) count--;
  return parameters.slice(0, count);
}

function compact(type: string): string {
  return type.replace(/\s+/g, ' ').trim();
}

function jsonPlaceholder(type: string): unknown {
  if (type === 'number') return 10;
  if (type === 'string') return 'example';
  if (type === 'boolean') return false;
  if (type === 'null') return null;
  if (type.startsWith('Record<')) return {};
  return [];
}

/**
 * A TypeScript (or JavaScript) expression to start from for one parameter of an args module: real
 * values of the declared type where we can build one, else `undefined` with the type to fill in.
 */
function expressionFor(parameter: Parameter): string {
  const type = compact(parameter.type ?? '');
  const sized =
    /^(Buffer|(?:Float|Int|Uint|BigInt|BigUint)\d+(?:Clamped)?Array|ArrayBuffer|SharedArrayBuffer)$/.exec(
      type,
    );
  if (sized) {
    if (type === 'Buffer') return 'Buffer.alloc(1024 * 1024, 1)';
    return `new ${type}(1024 * 1024)`;
  }
  if (type === 'number') return '10';
  if (type === 'string') return "'example'";
  if (type === 'boolean') return 'false';
  if (/\[\]$|^(Readonly)?Array</.test(type)) return '[]';
  if (/^Map</.test(type)) return 'new Map()';
  if (/^Set</.test(type)) return 'new Set()';
  if (/^(\{|Record<|object$|Partial<)/.test(type)) return '{}';
  return `undefined /* TODO: ${type || 'a value'} */`;
}

/**
 * The text of an args module for `fn` of `fileName` (imported as `importPath`): `this` (for an
 * instance method) and `args`, typed from the function where TypeScript can name it.
 */
export function argsModuleTemplate(fn: FunctionRange, importPath: string, typescript: boolean): string {
  const lines: string[] = [
    `// Arguments for profiling ${fn.path} (Concurrency Lens: "Profile" and the CLI's --args-module).`,
    '// Edit the values to a realistic input: the profiler calls the function with `args`, built once,',
    fn.isMethod ? '// on the instance `this` returns.' : '// and reuses them for every run.',
  ];
  const reachable = fn.exported;
  const importName = fn.className ?? fn.path.split('.')[0]!;
  if (reachable && (fn.isMethod || fn.isStatic || typescript)) {
    lines.push(`import { ${importName} } from ${JSON.stringify(importPath)};`);
  }
  lines.push('');
  const argsType =
    typescript && reachable
      ? fn.isMethod
        ? `: Parameters<${fn.className}['${fn.name}']>`
        : fn.path.includes('.')
          ? ''
          : `: Parameters<typeof ${importName}>`
      : '';
  const values = fn.parameters.map(
    (parameter) =>
      `    ${expressionFor(parameter)}, // ${parameter.name}${parameter.type ? `: ${parameter.type}` : ''}${parameter.optional ? ' (optional)' : ''}`,
  );
  lines.push('export default {');
  if (fn.isMethod) {
    lines.push(
      reachable
        ? `  this: () => new ${fn.className}(/* TODO: constructor arguments */),`
        : `  // ${fn.className} is not exported: export it so this module can build an instance.\n  this: () => undefined,`,
    );
  }
  lines.push(`  args: ()${argsType} => [`, ...values, '  ],', '};', '');
  return lines.join('\n');
}
