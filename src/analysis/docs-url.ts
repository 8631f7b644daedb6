// Where each rule's documentation lives. The pages are also bundled (docs/rules/<id>.md) so the
// extension can open them offline.
export const DOCS_BASE_URL = 'https://github.com/concurrency-lens/concurrency-lens/blob/main/docs/rules';

export function docsUrl(ruleId: string): string {
  return `${DOCS_BASE_URL}/${ruleId}.md`;
}
