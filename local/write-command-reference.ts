/**
 * Rewrites the README's command reference from the verb table (lambda/incidents/verbs/):
 * `npx tsx local/write-command-reference.ts`. tests/unit/verbs.test.ts fails when they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commandReferenceTable } from '../lambda/incidents/grammar';

export const README = path.resolve(__dirname, '..', 'README.md');
export const START =
  '<!-- command reference: generated from lambda/incidents/verbs by local/write-command-reference.ts -->';
export const END = '<!-- end of command reference -->';

/** The README with its command reference replaced by the table's. */
export function withCommandReference(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} block`);
  return `${readme.slice(0, start + START.length)}\n${commandReferenceTable()}\n${readme.slice(end)}`;
}

if (require.main === module) {
  writeFileSync(README, withCommandReference(readFileSync(README, 'utf8')));
  console.log('README.md command reference written');
}
