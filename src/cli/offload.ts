// `concurrency-lens offload <file> --function <name> [--dry-run] [--format text|json]`: moves a
// function into a piscina worker pool (src/fixes/move-to-worker-pool.ts) and writes the result,
// or prints it as a unified diff. Exit codes: 0 done, 1 refused (reason on stderr, nothing
// written), 2 usage.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { changedTexts, unifiedDiff } from '../fixes/apply.js';
import { moveToWorkerPool } from '../fixes/move-to-worker-pool.js';
import type { SiteNote } from '../fixes/types.js';

export interface OffloadIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
}

export const OFFLOAD_USAGE = `Usage: concurrency-lens offload <file> --function <name> [options]

Moves a top-level function into a piscina worker module beside its file: the function keeps its
name and parameters and returns a Promise that runs in one pool per module; callers in the
project are updated to await it (the ones that cannot be are listed with file:line).

Options:
  -f, --function <name>   the function to move
      --dry-run           print the changes as a unified diff; write nothing
      --format text|json  output format (default text)
  -h, --help              show this help

Exit codes: 0 moved (or diff printed), 1 refused (the reason on stderr; nothing changed), 2 usage.
`;

export async function runOffloadCommand(argv: string[], io: OffloadIO): Promise<number> {
  let parsed: ReturnType<typeof parseOffloadArgs>;
  try {
    parsed = parseOffloadArgs(argv);
  } catch (error) {
    return usage(io, (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(OFFLOAD_USAGE);
    return 0;
  }
  if (positionals.length !== 1) return usage(io, 'give exactly one file');
  if (!values.function) return usage(io, '--function <name> is required');
  const format = values.format;
  if (format !== 'text' && format !== 'json')
    return usage(io, `--format must be text or json (got '${format}')`);
  const file = path.resolve(io.cwd, positionals[0]!);
  if (!existsSync(file)) return usage(io, `no such file: ${positionals[0]}`);

  const result = moveToWorkerPool({ file, functionName: values.function });
  const relative = (name: string) => path.relative(io.cwd, name) || name;
  if (!result.ok) {
    if (format === 'json') io.stdout(`${JSON.stringify({ ok: false, reason: result.reason }, null, 2)}\n`);
    io.stderr(`concurrency-lens offload: not moved: ${result.reason}\n`);
    return 1;
  }
  const texts = changedTexts(result, (name) => {
    try {
      return readFileSync(name, 'utf8');
    } catch {
      return undefined;
    }
  });
  const diff = unifiedDiff(texts, relative);
  if (!values['dry-run']) {
    for (const [name, { after }] of texts) {
      mkdirSync(path.dirname(name), { recursive: true });
      writeFileSync(name, after);
    }
  }
  const site = (note: SiteNote) => `${relative(note.file)}:${note.line}:${note.column}`;
  if (format === 'json') {
    io.stdout(
      `${JSON.stringify(
        {
          ok: true,
          applied: !values['dry-run'],
          workerFile: relative(result.workerFile),
          pool: result.poolName,
          files: [...texts.keys()].map(relative).sort(),
          updated: result.updated.map((n) => ({ ...n, file: relative(n.file) })),
          notUpdated: result.notUpdated.map((n) => ({ ...n, file: relative(n.file) })),
          transferred: result.transferred,
          notes: result.notes,
          diff: values['dry-run'] ? diff : undefined,
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  if (values['dry-run']) io.stdout(diff);
  const lines: string[] = [];
  lines.push(
    `${values['dry-run'] ? 'Would move' : 'Moved'} \`${values.function}\` to ${relative(result.workerFile)} (pool \`${result.poolName}\`).`,
  );
  for (const note of result.updated) lines.push(`  updated      ${site(note)}  ${note.reason}`);
  for (const note of result.notUpdated) lines.push(`  not updated  ${site(note)}  ${note.reason}`);
  if (result.transferred.length > 0)
    lines.push(`  transferred  ${result.transferred.join(', ')} (not copied)`);
  for (const note of result.notes) lines.push(`  note: ${note}`);
  (values['dry-run'] ? io.stderr : io.stdout)(`${lines.join('\n')}\n`);
  return 0;
}

function parseOffloadArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      function: { type: 'string', short: 'f' },
      'dry-run': { type: 'boolean', default: false },
      format: { type: 'string', default: 'text' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

function usage(io: OffloadIO, message: string): number {
  io.stderr(`concurrency-lens offload: ${message}\n\n${OFFLOAD_USAGE}`);
  return 2;
}
