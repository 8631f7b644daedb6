// Type-aware analysis: when the scanned project has a tsconfig.json, build one TypeScript program
// so rules can ask the checker what a value is (a class instance or a plain object, a Buffer or an
// ArrayBuffer). The program is optional: every rule works on syntax alone, the checker only
// sharpens answers.
import path from 'node:path';
import ts from 'typescript';

export interface TypedProject {
  program: ts.Program;
  checker: ts.TypeChecker;
  configFile: string;
  /** problems reading the tsconfig; the scan goes on without types when non-empty */
  errors: string[];
}

/** Finds tsconfig.json at `dir` (not upwards: a monorepo root config may not cover the folder). */
export function findTsconfig(dir: string): string | undefined {
  const candidate = ts.findConfigFile(dir, ts.sys.fileExists, 'tsconfig.json');
  return candidate && path.dirname(path.resolve(candidate)) === path.resolve(dir)
    ? path.resolve(candidate)
    : undefined;
}

export function createTypedProject(configFile: string, files: string[]): TypedProject | undefined {
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) return undefined;
  const parsed = ts.parseJsonConfigFileContent(
    read.config,
    ts.sys,
    path.dirname(configFile),
    { noEmit: true },
    configFile,
  );
  // Analyse the scanned files even when the tsconfig's include does not list them (JS files, tests).
  const rootNames = [...new Set([...parsed.fileNames, ...files])];
  const program = ts.createProgram({
    rootNames,
    options: { ...parsed.options, noEmit: true, skipLibCheck: true, allowJs: true, checkJs: false },
  });
  return {
    program,
    checker: program.getTypeChecker(),
    configFile,
    errors: parsed.errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')),
  };
}
