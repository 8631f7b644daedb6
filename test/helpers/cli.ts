// Runs the built binary (bin/concurrency-lens.js) like a user's shell does, without colours.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const bin = path.resolve(__dirname, '../../bin/concurrency-lens.js');

export function cli(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
