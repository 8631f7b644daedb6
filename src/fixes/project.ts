// The TypeScript program a transform reasons about: the file's tsconfig (found upwards) plus every
// source file of its package, so call sites in tests and scripts the tsconfig leaves out are found
// too. Editor buffers win over the disk through `readFile`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface TransformProject {
  program: ts.Program;
  checker: ts.TypeChecker;
  options: ts.CompilerOptions;
  /** the tsconfig.json used, if any */
  configFile: string | undefined;
  /** tsconfig lists its files explicitly (a new file is compiled only when something imports it) */
  explicitFiles: boolean;
  /** nearest package.json above the file, if any */
  packageJson: string | undefined;
  readFile: (file: string) => string | undefined;
}

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
const SKIPPED_DIRECTORIES = ['**/node_modules', '**/dist', '**/out', '**/build', '**/.git', '**/coverage'];

export function loadTransformProject(
  file: string,
  readOverride?: (file: string) => string | undefined,
  /** the workspace folder: package.json and tsconfig.json are not looked for above it */
  root?: string,
): TransformProject {
  const readFile = (name: string): string | undefined => {
    const override = readOverride?.(name);
    if (override !== undefined) return override;
    try {
      return readFileSync(name, 'utf8');
    } catch {
      return undefined;
    }
  };
  const packageJson = findUp(path.dirname(file), 'package.json', root);
  const configFile = findUp(path.dirname(file), 'tsconfig.json', root);
  let options: ts.CompilerOptions;
  let rootNames: string[] = [];
  let explicitFiles = false;
  if (configFile) {
    const read = ts.readConfigFile(configFile, (name) => readFile(name));
    const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, path.dirname(configFile));
    options = parsed.options;
    rootNames = parsed.fileNames;
    const raw = read.config as { files?: unknown; include?: unknown } | undefined;
    explicitFiles = Array.isArray(raw?.files) && raw?.include === undefined;
  } else {
    options = {
      allowJs: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
    };
  }
  const packageDir = path.dirname(
    packageJson ?? configFile ?? (root ? path.join(root, 'package.json') : file),
  );
  const packageFiles = ts.sys.readDirectory(packageDir, SOURCE_EXTENSIONS, SKIPPED_DIRECTORIES, ['**/*']);
  const roots = [...new Set([...rootNames, ...packageFiles.filter((f) => !f.endsWith('.d.ts')), file])];
  const host = ts.createCompilerHost({ ...options, allowJs: true });
  const originalGetSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => readFile(name);
  host.fileExists = (name) => (readOverride?.(name) !== undefined ? true : existsSync(name));
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const override = readOverride?.(name);
    if (override !== undefined) return ts.createSourceFile(name, override, languageVersion, true);
    return originalGetSourceFile(name, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram({
    rootNames: roots,
    options: { ...options, noEmit: true, allowJs: true, checkJs: false, skipLibCheck: true },
    host,
  });
  return {
    program,
    checker: program.getTypeChecker(),
    options,
    configFile,
    explicitFiles,
    packageJson,
    readFile,
  };
}

export function findUp(dir: string, name: string, root?: string): string | undefined {
  const top = root ? path.resolve(root) : undefined;
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const candidate = path.join(current, name);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(current) === current || current === top) return undefined;
  }
}

/** Whether the compiled file is an ES module (import.meta, top-level await) or CommonJS (__dirname). */
export function emitsEsm(project: TransformProject, sourceFile: ts.SourceFile): boolean {
  if (/\.m[jt]s$/.test(sourceFile.fileName)) return true;
  if (/\.c[jt]s$/.test(sourceFile.fileName)) return false;
  const module = project.options.module;
  if (module !== undefined && module >= ts.ModuleKind.Node16 && module <= ts.ModuleKind.NodeNext) {
    return sourceFile.impliedNodeFormat === ts.ModuleKind.ESNext;
  }
  if (module === undefined) {
    // tsc's default: CommonJS below ES2015 targets
    return (project.options.target ?? ts.ScriptTarget.ES5) >= ts.ScriptTarget.ES2015;
  }
  return (
    module !== ts.ModuleKind.CommonJS &&
    module !== ts.ModuleKind.None &&
    module !== ts.ModuleKind.UMD &&
    module !== ts.ModuleKind.AMD
  );
}

/** The compiled file's extension (.js/.mjs/.cjs), or the source's own when the project runs .ts directly. */
export function runtimeExtension(project: TransformProject, sourceExtension: string): string {
  if (project.options.noEmit && project.options.allowImportingTsExtensions) return sourceExtension;
  switch (sourceExtension) {
    case '.ts':
    case '.tsx':
    case '.jsx':
      return '.js';
    case '.mts':
      return '.mjs';
    case '.cts':
      return '.cjs';
    default:
      return sourceExtension;
  }
}

/** Project source files (not declaration files, not dependencies). */
export function projectSourceFiles(project: TransformProject): ts.SourceFile[] {
  return project.program
    .getSourceFiles()
    .filter(
      (sf) =>
        !sf.isDeclarationFile &&
        !sf.fileName.includes('/node_modules/') &&
        !project.program.isSourceFileFromExternalLibrary(sf),
    );
}
