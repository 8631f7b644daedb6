// Can structured clone carry a value of this type to a worker and back? Type-based and
// conservative only where the type is precise: `any`/`unknown` pass (nothing to go on), a function,
// a symbol, a Promise, a weak collection, a class instance with methods or a Node handle (stream,
// socket, server, child process, file handle, event emitter) does not.
import ts from 'typescript';

/** Types structured clone copies as they are (or as their Uint8Array view, for Buffer). */
const CLONEABLE_BUILTINS = new Set([
  'Date',
  'RegExp',
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Buffer',
  'Uint8Array',
  'Uint8ClampedArray',
  'Uint16Array',
  'Uint32Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
  'Blob',
  'String',
  'Number',
  'Boolean',
]);
const CONTAINERS = new Set(['Array', 'ReadonlyArray', 'Map', 'ReadonlyMap', 'Set', 'ReadonlySet']);
const NEVER_CLONEABLE = new Set(['Promise', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry']);

/** Undefined when the type can be cloned, else what cannot ("a function", "a `Socket` handle"). */
export function cloneProblem(
  type: ts.Type,
  checker: ts.TypeChecker,
  depth = 0,
  seen = new Set<ts.Type>(),
): string | undefined {
  if (seen.has(type) || depth > 5) return undefined;
  seen.add(type);
  const flags = type.flags;
  if (flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never)) return undefined;
  if (flags & (ts.TypeFlags.ESSymbol | ts.TypeFlags.UniqueESSymbol)) return 'a symbol';
  if (
    flags &
    (ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.BigIntLike)
  )
    return undefined;
  if (flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void | ts.TypeFlags.EnumLike))
    return undefined;
  if (type.isUnionOrIntersection()) {
    for (const member of type.types) {
      const problem = cloneProblem(member, checker, depth + 1, seen);
      if (problem) return problem;
    }
    return undefined;
  }
  if (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) return 'a function';
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  const name = symbol?.getName();
  if (name && NEVER_CLONEABLE.has(name)) return `a ${name}`;
  if (name && CLONEABLE_BUILTINS.has(name) && isFromLibrary(symbol)) return undefined;
  if (
    checker.isTupleType(type) ||
    checker.isArrayType(type) ||
    (name && CONTAINERS.has(name) && isFromLibrary(symbol))
  ) {
    for (const argument of checker.getTypeArguments(type as ts.TypeReference)) {
      const problem = cloneProblem(argument, checker, depth + 1, seen);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!(flags & ts.TypeFlags.Object)) return undefined;
  if (symbol && isFromLibrary(symbol) && name !== '__object' && name !== '__type') {
    // A class or interface from the platform or a dependency that is not plain data: a handle.
    if (hasMethods(type, checker))
      return `a \`${name}\` (its methods and native state do not survive a copy)`;
  }
  if (symbol && symbol.flags & ts.SymbolFlags.Class && hasMethods(type, checker)) {
    return `an instance of the class \`${name}\` (it arrives as a plain object without its methods)`;
  }
  for (const property of type.getProperties()) {
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    if (!declaration) continue;
    if (ts.isMethodDeclaration(declaration) || ts.isMethodSignature(declaration))
      return `a method \`${property.getName()}\``;
    const propertyType = checker.getTypeOfSymbolAtLocation(property, declaration);
    const problem = cloneProblem(propertyType, checker, depth + 1, seen);
    if (problem) return `${problem} in \`${property.getName()}\``;
  }
  for (const info of checker.getIndexInfosOfType(type)) {
    const problem = cloneProblem(info.type, checker, depth + 1, seen);
    if (problem) return problem;
  }
  return undefined;
}

function hasMethods(type: ts.Type, checker: ts.TypeChecker): boolean {
  return type.getProperties().some((property) => {
    const declaration = property.valueDeclaration ?? property.declarations?.[0];
    if (!declaration) return false;
    if (ts.isMethodDeclaration(declaration) || ts.isMethodSignature(declaration)) return true;
    return checker.getTypeOfSymbolAtLocation(property, declaration).getCallSignatures().length > 0;
  });
}

function isFromLibrary(symbol: ts.Symbol | undefined): boolean {
  return (
    symbol?.declarations?.some((declaration) => {
      const file = declaration.getSourceFile();
      return file.isDeclarationFile || file.fileName.includes('/node_modules/');
    }) ?? false
  );
}

/** Buffer, typed arrays, DataView: the bytes can be transferred instead of copied. */
export function bufferKind(type: ts.Type): 'buffer' | 'view' | 'array-buffer' | undefined {
  const name = (type.getSymbol() ?? type.aliasSymbol)?.getName();
  if (!name || !isFromLibrary(type.getSymbol() ?? type.aliasSymbol)) return undefined;
  if (name === 'Buffer') return 'buffer';
  if (name === 'ArrayBuffer') return 'array-buffer';
  if (name === 'DataView' || (name.endsWith('Array') && CLONEABLE_BUILTINS.has(name))) return 'view';
  return undefined;
}
