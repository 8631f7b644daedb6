// Builds the extension's .vsix files, one per platform: the profiler bundles user code with esbuild,
// a native binary, so each package carries exactly its own `@esbuild/<platform>` (fetched with
// `npm pack` at the version of our esbuild) and no other. (esbuild-wasm would make one universal
// package, but its first bundle takes seconds instead of tens of ms: `node bench/esbuild-startup.mjs`.)
//
//   node scripts/package.mjs                 the package for this machine's platform
//   node scripts/package.mjs --all           every target in TARGETS (npm run package:all)
//   node scripts/package.mjs --target linux-arm64 [--target …] [--out dir]
//
// Each package is staged in .cache/vsix/<target>/ (the files .vscodeignore lets through, and a
// package.json without `files`, which is the npm package's list), then `vsce package --target`.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** VS Code target → the esbuild platform package whose binary runs there */
export const TARGETS = {
  'linux-x64': '@esbuild/linux-x64',
  'linux-arm64': '@esbuild/linux-arm64',
  'darwin-x64': '@esbuild/darwin-x64',
  'darwin-arm64': '@esbuild/darwin-arm64',
  'win32-x64': '@esbuild/win32-x64',
  'win32-arm64': '@esbuild/win32-arm64',
  // esbuild's Linux binaries are static Go executables: the same one runs on musl.
  'alpine-x64': '@esbuild/linux-x64',
};

const repo = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(repo, 'package.json'));

function hostTarget() {
  const arch = process.arch;
  if (process.platform === 'linux') {
    const musl = !process.report?.getReport().header.glibcVersionRuntime;
    return musl && arch === 'x64' ? 'alpine-x64' : `linux-${arch}`;
  }
  return `${process.platform}-${arch}`;
}

function run(command, args, cwd) {
  // npm and vsce are .cmd shims on Windows
  return execFileSync(command, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    shell: process.platform === 'win32',
  });
}

/** `npm pack <name>@<version>` into a cache folder, unpacked; returns the package folder. */
function fetchPackage(name, version, cache) {
  const folder = path.join(cache, `${name.replace('/', '+')}@${version}`);
  if (existsSync(path.join(folder, 'package.json'))) return folder;
  mkdirSync(folder, { recursive: true });
  const [packed] = JSON.parse(
    run('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', cache], cache),
  );
  run('tar', ['xzf', path.join(cache, packed.filename), '-C', folder, '--strip-components=1'], cache);
  return folder;
}

export function packageTarget(target, { out, stageRoot, cache }) {
  const platformPackage = TARGETS[target];
  if (!platformPackage)
    throw new Error(`unknown target '${target}' (known: ${Object.keys(TARGETS).join(', ')})`);
  const esbuildFolder = path.dirname(require.resolve('esbuild/package.json'));
  const esbuildVersion = JSON.parse(readFileSync(path.join(esbuildFolder, 'package.json'), 'utf8')).version;
  const stage = path.join(stageRoot, target);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });

  const manifest = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
  delete manifest.files; // the npm package's list; the .vsix is chosen by .vscodeignore
  delete manifest.scripts; // built already; vsce must not run vscode:prepublish in the stage
  manifest.devDependencies = {};
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const entry of ['README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'dist', 'docs', 'media']) {
    if (existsSync(path.join(repo, entry)))
      cpSync(path.join(repo, entry), path.join(stage, entry), { recursive: true });
  }
  cpSync(esbuildFolder, path.join(stage, 'node_modules', 'esbuild'), { recursive: true });
  const binary = fetchPackage(platformPackage, esbuildVersion, cache);
  cpSync(binary, path.join(stage, 'node_modules', ...platformPackage.split('/')), { recursive: true });

  mkdirSync(out, { recursive: true });
  const vsix = path.join(out, `${manifest.name}-${target}-${manifest.version}.vsix`);
  const vsce = path.join(path.dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  run(process.execPath, [vsce, 'package', '--target', target, '--out', vsix], stage);
  return vsix;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      all: { type: 'boolean', default: false },
      target: { type: 'string', multiple: true },
      out: { type: 'string', default: repo },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const targets = values.all ? Object.keys(TARGETS) : (values.target ?? [hostTarget()]);
  if (!values['no-build']) run(process.execPath, ['scripts/build.mjs', '--production'], repo);
  const stageRoot = path.join(repo, '.cache', 'vsix');
  const cache = path.join(repo, '.cache', 'esbuild-platforms');
  mkdirSync(cache, { recursive: true });
  for (const target of targets) {
    const vsix = packageTarget(target, { out: path.resolve(values.out), stageRoot, cache });
    console.log(`${target}: ${path.relative(process.cwd(), vsix)}`);
  }
}
