// Type-aware analysis: when the scanned project has a tsconfig.json, build one TypeScript program
// so rules can ask the checker what a value is (a class instance or a plain object, a Buffer or an
// ArrayBuffer). The program is optional: every rule works on syntax alone, the checker only
// sharpens answers.
import path from 'node:path';
import ts from 'typescript';
import { isStackOverflow, unanalysableReason } from './analyzer.js';
import { readSourceFile } from './read-source.js';
import type { AnalysisOptions } from './types.js';

export interface TypedProject {
  program: ts.Program;
  checker: ts.TypeChecker;
  configFile: string;
  /** problems reading the tsconfig; the scan goes on without types when non-empty */
  errors: string[];
  /**
   * Files kept out of the program, by absolute path, with why: unreadable, over the size limit,
   * minified, or nested deeper than the type checker can follow. A scanned file among them is
   * analysed without types.
   */
  excluded: Map<string, string>;
}

/**
 * Deepest syntax tree the program takes in. The binder and the checker recurse about five frames
 * per level: a 1,000-link method chain (2,000 levels) overflowed the main thread's stack in
 * program creation and ended the whole scan. Hand-written code stays far below this.
 */
export const TYPED_MAX_DEPTH = 500;

/** Finds tsconfig.json at `dir` (not upwards: a monorepo root config may not cover the folder). */
export function findTsconfig(dir: string): string | undefined {
  const candidate = ts.findConfigFile(dir, ts.sys.fileExists, 'tsconfig.json');
  return candidate && path.dirname(path.resolve(candidate)) === path.resolve(dir)
    ? path.resolve(candidate)
    : undefined;
}

/**
 * The typed program over the tsconfig's files and the scanned ones, or why there is none (the
 * scan then goes on without types). Every file passes the untyped analysis's checks before it is
 * parsed into the program, so a 600 MB file or a FIFO costs nothing here either.
 */
export function createTypedProject(
  configFile: string,
  files: string[],
  analysisOptions: AnalysisOptions,
): TypedProject | { failure: string } {
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) return { failure: ts.flattenDiagnosticMessageText(read.error.messageText, ' ') };
  const parsed = ts.parseJsonConfigFileContent(
    read.config,
    ts.sys,
    path.dirname(configFile),
    { noEmit: true },
    configFile,
  );
  // Analyse the scanned files even when the tsconfig's include does not list them (JS files, tests).
  const rootNames = [...new Set([...parsed.fileNames, ...files])];
  const options = { ...parsed.options, noEmit: true, skipLibCheck: true, allowJs: true, checkJs: false };
  const excluded = new Map<string, string>();
  const host = ts.createCompilerHost(options, true);
  host.getSourceFile = (fileName, languageVersion) => {
    const absolute = path.resolve(fileName);
    const outcome = readSourceFile(absolute, analysisOptions.maxFileBytes);
    if ('skipped' in outcome) {
      excluded.set(absolute, outcome.skipped.detail);
      return undefined;
    }
    const isDeclaration = /\.d\.[cm]?ts$/i.test(absolute);
    const unanalysable = isDeclaration
      ? undefined
      : unanalysableReason(outcome.text, analysisOptions, outcome.byteLength);
    if (unanalysable) {
      excluded.set(absolute, unanalysable.detail);
      return undefined;
    }
    try {
      const sourceFile = ts.createSourceFile(fileName, outcome.text, languageVersion, true);
      if (!isDeclaration && treeDepthOver(sourceFile, TYPED_MAX_DEPTH)) {
        excluded.set(absolute, `nested more than ${TYPED_MAX_DEPTH} levels deep: beyond the type checker`);
        return undefined;
      }
      return sourceFile;
    } catch (error) {
      if (!isStackOverflow(error)) throw error;
      excluded.set(absolute, 'nested too deeply to parse');
      return undefined;
    }
  };
  try {
    const program = ts.createProgram({ rootNames, options, host });
    return {
      program,
      checker: program.getTypeChecker(),
      configFile,
      errors: parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')),
      excluded,
    };
  } catch (error) {
    // The compiler failed on input the checks above let through: lose the types, not the scan.
    return {
      failure: `the TypeScript program could not be built (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}

/** Whether the tree has a path longer than `limit` nodes (iterative: the tree may be very deep). */
export function treeDepthOver(root: ts.Node, limit: number): boolean {
  const nodes: ts.Node[] = [root];
  const depths: number[] = [0];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > limit) return true;
    ts.forEachChild(node, (child) => {
      nodes.push(child);
      depths.push(depth + 1);
    });
  }
  return false;
}
