// The rule registry: one import per rule file, in catalog order (DESIGN.md §2).
import type { Rule } from '../types.js';
import { blockingCall } from './blocking-call.js';
import { unboundedArrayQueue } from './unbounded-array-queue.js';

export const allRules: readonly Rule[] = [blockingCall, unboundedArrayQueue];

export function ruleById(id: string): Rule | undefined {
  return allRules.find((r) => r.meta.id === id);
}
