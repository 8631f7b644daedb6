// Findings at an application's calls into node_modules: `bcrypt.hashSync(pw)` in a request
// handler, where bcryptjs's `hashSync` is the synchronous form of `hash`. The package is not in
// the scan, so the call is the root cause the application can change: a blocking-call finding at
// the call, with the blocking work inside the package as its related location.
import type { PackageCall } from '../analyzer.js';
import { describeWhere, formatRowMessage, MAX_MESSAGE_LENGTH } from '../context.js';
import type { PackageRole } from '../package-role.js';
import type { Finding, Rule, Severity } from '../types.js';
import { formatMessage } from '../types.js';
import type { DependencyFinding } from './index.js';

const MAX_CALLEE = 32;

export function dependencyFinding(
  file: string,
  call: PackageCall,
  found: DependencyFinding,
  rule: Rule,
  severity: Severity,
  role: PackageRole,
): Finding {
  const { hazard } = found;
  const callee = call.calleeText.replace(/\s+/g, '');
  const api = `${callee.length > MAX_CALLEE ? `${callee.slice(0, MAX_CALLEE - 1)}…` : callee}()`;
  const exported = call.when?.exports[0];
  const where =
    call.chainLabels.length > 0
      ? describeWhere(call.chainLabels.map((label) => ({ label })))
      : exported !== undefined
        ? `in ${role === 'application' ? 'exported' : 'the public API'} \`${exported === 'default' ? 'default export' : exported}()\``
        : 'at run time';
  const cause =
    hazard.kind === 'call'
      ? `it calls \`${hazard.what}\``
      : hazard.kind === 'documented'
        ? 'it is documented `@blocking`'
        : `it is the sync form of \`${hazard.what}\``;
  let data = { api, where, cause, package: hazard.inPackage, calledPackage: found.package };
  const template = rule.meta.messages.dependency ?? '';
  // one Problems row: a long call chain is cut to where it starts
  if (formatMessage(template, data).length > MAX_MESSAGE_LENGTH && call.chainLabels.length > 1)
    data = { ...data, where: `in the ${call.chainLabels[0]}` };
  return {
    ruleId: rule.meta.id,
    // in a library (or code whose callers are unseen) reached only through its API: information,
    // unless that API looks asynchronous and still blocks
    severity: role !== 'application' && call.when && !call.when.asyncApi ? 'info' : severity,
    messageId: 'dependency',
    data,
    message: formatRowMessage(template, data),
    file,
    range: call.range,
    offset: call.offset,
    related: [
      {
        file: found.file,
        range: hazard.range,
        message:
          hazard.kind === 'call'
            ? `\`${hazard.what}\` inside ${hazard.inPackage}`
            : hazard.kind === 'documented'
              ? `documented \`@blocking\` in ${hazard.inPackage}`
              : `the sync form of \`${hazard.what}\` in ${hazard.inPackage}`,
      },
    ],
  };
}
