#!/usr/bin/env node
// Fetches the labelled real-code set: every package in manifest.json, at its pinned version, with
// `npm pack` (never `npm install`: no install scripts run, no dependencies come along) and untars it
// into DEST/<name>/. A package already there at the same version is kept. A package with `local`
// (a folder of hand-written cases in this repo) is copied instead.
//   node bench/accuracy/fetch.mjs [--dest DIR]     (default DIR: .cache/accuracy, git-ignored)
// Exported as fetchSet() for bench/accuracy.mjs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const defaultDest = path.join(repoRoot, '.cache/accuracy');
export const manifestPath = path.join(here, 'manifest.json');
const STAMP = '.concurrency-lens-fetched';

export function readManifest(file = manifestPath) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Fetches what is missing; returns the list of package directories. Throws with the package named. */
export function fetchSet(dest = defaultDest, manifest = readManifest(), log = (s) => console.error(s)) {
  fs.mkdirSync(dest, { recursive: true });
  const dirs = [];
  for (const { name, version, local } of manifest.packages) {
    const dir = path.join(dest, name);
    dirs.push(dir);
    if (local) {
      // A hand-written package kept in the repo (bench/accuracy/fixtures/): copied afresh each run.
      fs.rmSync(dir, { recursive: true, force: true });
      fs.cpSync(path.join(repoRoot, local), dir, { recursive: true });
      continue;
    }
    const stamp = path.join(dir, STAMP);
    if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === `${name}@${version}`) continue;
    log(`fetching ${name}@${version}`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cl-accuracy-'));
    try {
      const out = execFileSync(
        'npm',
        ['pack', `${name}@${version}`, '--ignore-scripts', '--silent', '--pack-destination', tmp],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const tarball = path.join(tmp, out.trim().split('\n').pop());
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      // Every npm tarball has one top folder (usually `package/`); strip it whatever its name.
      execFileSync('tar', ['xzf', tarball, '-C', dir, '--strip-components=1', '--no-same-owner']);
      fs.writeFileSync(stamp, `${name}@${version}\n`);
    } catch (err) {
      throw new Error(`cannot fetch ${name}@${version}: ${err.stderr?.toString().trim() || err.message}`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return dirs;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--dest');
  const dest = i === -1 ? defaultDest : path.resolve(process.argv[i + 1]);
  try {
    const dirs = fetchSet(dest);
    console.log(`${dirs.length} packages in ${dest}`);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
