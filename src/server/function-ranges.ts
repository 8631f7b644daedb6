// `concurrencyLens/functionRanges`: the functions of a document the profiler can call, and the
// function to profile for each flagged position (see src/analysis/function-ranges.ts). An imported
// helper is looked up in its own file, from the editor buffer when it is open, else from disk.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';
import type { CancellationToken, Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { scriptKindOf } from '../analysis/analyzer.js';
import {
  type ProfilableFunction,
  profilableFunctions,
  profileTargetAt,
} from '../analysis/function-ranges.js';
import {
  type FunctionRange,
  type FunctionRangesParams,
  type FunctionRangesResult,
  functionRangesMethod,
  type ProfileTargetRange,
} from '../shared/protocol.js';
import { documentFileName, pathToUri, uriToPath } from './uri.js';

/** Imported files above this size are not parsed for a lens. */
const MAX_IMPORTED_BYTES = 2 * 1024 * 1024;
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

interface Parsed {
  version: number;
  sourceFile: ts.SourceFile;
  functions: ProfilableFunction[];
  /** offset → LSP position for this text */
  position(offset: number): { line: number; character: number };
}

export function registerFunctionRanges(connection: Connection, documents: TextDocuments<TextDocument>): void {
  const cache = new Map<string, Parsed>();
  documents.onDidClose((event) => cache.delete(event.document.uri));

  const parseDocument = (document: TextDocument): Parsed => {
    const cached = cache.get(document.uri);
    if (cached && cached.version === document.version) return cached;
    const parsed = parse(
      documentFileName(document.uri, document.languageId),
      document.getText(),
      document.version,
    );
    cache.set(document.uri, parsed);
    return parsed;
  };

  connection.onRequest(
    functionRangesMethod,
    async (params: FunctionRangesParams, token: CancellationToken): Promise<FunctionRangesResult> => {
      const document = documents.get(params.uri);
      const file = uriToPath(params.uri);
      let parsed: Parsed | undefined;
      if (document) parsed = parseDocument(document);
      else if (file) parsed = await parseFile(file);
      if (!parsed) return { functions: [], targets: (params.positions ?? []).map(() => null) };
      const here = parsed;
      const functions = here.functions.map((fn) => toRange(fn, here));
      const targets: (ProfileTargetRange | null)[] = [];
      for (const position of params.positions ?? []) {
        if (token.isCancellationRequested) break;
        const offset =
          here.sourceFile.getPositionOfLineAndCharacter(
            Math.min(position.line, here.sourceFile.getLineStarts().length - 1),
            0,
          ) + position.character;
        const target = profileTargetAt(here.sourceFile, here.functions, offset);
        if (!target) targets.push(null);
        else if (target.kind === 'local') {
          const fn = functions.find((candidate) => candidate.path === target.path);
          targets.push(fn ? { uri: params.uri, function: fn, viaCall: target.viaCall } : null);
        } else {
          targets.push(file ? await importedTarget(file, target.specifier, target.exportName) : null);
        }
      }
      return { functions, targets };
    },
  );

  async function importedTarget(
    fromFile: string,
    specifier: string,
    exportName: string,
  ): Promise<ProfileTargetRange | null> {
    const resolved = await resolveRelative(fromFile, specifier);
    if (!resolved) return null;
    const uri = pathToUri(resolved);
    const open = documents.get(uri);
    const parsed = open ? parseDocument(open) : await parseFile(resolved);
    const fn = parsed?.functions.find(
      (candidate) =>
        candidate.exported &&
        (candidate.path === exportName || (exportName === 'default' && candidate.path === 'default')),
    );
    return fn && parsed ? { uri, function: toRange(fn, parsed), viaCall: true } : null;
  }
}

function parse(fileName: string, text: string, version: number): Parsed {
  const sourceFile = ts.createSourceFile(
    fileName,
    text,
    ts.ScriptTarget.Latest,
    true,
    scriptKindOf(fileName),
  );
  return {
    version,
    sourceFile,
    functions: profilableFunctions(sourceFile),
    position: (offset) => sourceFile.getLineAndCharacterOfPosition(offset),
  };
}

async function parseFile(file: string): Promise<Parsed | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_IMPORTED_BYTES) return undefined;
    return parse(file, await readFile(file, 'utf8'), -1);
  } catch {
    return undefined;
  }
}

/** `./crypto` → crypto.ts, crypto.js, crypto/index.ts …; `./crypto.js` also → crypto.ts (TS's ESM style). */
async function resolveRelative(fromFile: string, specifier: string): Promise<string | undefined> {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const extension = path.extname(base);
  const stem = EXTENSIONS.includes(extension) ? base.slice(0, -extension.length) : undefined;
  const candidates = [
    base,
    ...EXTENSIONS.map((ext) => base + ext),
    ...(stem ? EXTENSIONS.map((ext) => stem + ext) : []),
    ...EXTENSIONS.map((ext) => path.join(base, `index${ext}`)),
  ];
  for (const candidate of candidates) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

function toRange(fn: ProfilableFunction, parsed: Parsed): FunctionRange {
  return {
    path: fn.path,
    name: fn.name,
    range: { start: parsed.position(fn.start), end: parsed.position(fn.end) },
    selectionRange: {
      start: parsed.position(fn.nameStart),
      end: parsed.position(fn.nameStart + fn.name.length),
    },
    parameters: fn.parameters,
    isMethod: fn.isMethod,
    isStatic: fn.isStatic,
    className: fn.className,
    exported: fn.exported,
    async: fn.async,
  };
}
