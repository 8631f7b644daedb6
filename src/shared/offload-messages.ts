// The one message both the server and the VS Code client show after "Move to worker pool" left
// some uses of the function as they were.
export function notUpdatedMessage(functionName: string, notUpdated: readonly string[]): string {
  const count = notUpdated.length;
  return `Moved \`${functionName}\` to a worker pool; ${count} use${count === 1 ? '' : 's'} not updated (each now gets a Promise): ${notUpdated.slice(0, 3).join('; ')}${count > 3 ? '; …' : ''}`;
}
