// The rule registry: one import per rule file, in catalog order (DESIGN.md §2).
import type { Rule } from '../types.js';
import { blockingCall } from './blocking-call.js';
import { copyInsteadOfTransfer } from './copy-instead-of-transfer.js';
import { cpuHeavyLoop } from './cpu-heavy-loop.js';
import { ignoredBackpressure } from './ignored-backpressure.js';
import { nonCloneableMessage } from './non-cloneable-message.js';
import { oversizedPool } from './oversized-pool.js';
import { unboundedArrayQueue } from './unbounded-array-queue.js';
import { unboundedFanOut } from './unbounded-fan-out.js';
import { unboundedQueueOption } from './unbounded-queue-option.js';
import { unguardedSelfSpawn } from './unguarded-self-spawn.js';
import { unhandledWorkerError } from './unhandled-worker-error.js';
import { useAfterTransfer } from './use-after-transfer.js';
import { workerPerTask } from './worker-per-task.js';

export const allRules: readonly Rule[] = [
  blockingCall,
  cpuHeavyLoop,
  nonCloneableMessage,
  copyInsteadOfTransfer,
  useAfterTransfer,
  unhandledWorkerError,
  unguardedSelfSpawn,
  workerPerTask,
  oversizedPool,
  unboundedArrayQueue,
  unboundedFanOut,
  ignoredBackpressure,
  unboundedQueueOption,
];

export function ruleById(id: string): Rule | undefined {
  return allRules.find((r) => r.meta.id === id);
}
