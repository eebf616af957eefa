/**
 * Writes the generated parts of the docs from the code they describe: the README's command
 * reference from the verb table (lambda/incidents/verbs/), and docs/architecture.md's table items
 * from `ITEM_KINDS` (lambda/store/table.ts). `npx tsx local/write-docs.ts`; tests/unit/docs.test.ts
 * fails when either has drifted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commandReferenceTable } from '../lambda/incidents/grammar';
import { ITEM_KINDS } from '../lambda/store/table';

const ROOT = path.resolve(__dirname, '..');

/** A generated block of one file, between its two marker comments. */
export interface GeneratedBlock {
  file: string;
  start: string;
  end: string;
  contents(): string;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

export const BLOCKS: readonly GeneratedBlock[] = [
  {
    file: path.join(ROOT, 'README.md'),
    start: '<!-- command reference: generated from lambda/incidents/verbs by local/write-docs.ts -->',
    end: '<!-- end of command reference -->',
    contents: commandReferenceTable,
  },
  {
    file: path.join(ROOT, 'docs', 'architecture.md'),
    start: '<!-- table items: generated from ITEM_KINDS in lambda/store/table.ts by local/write-docs.ts -->',
    end: '<!-- end of table items -->',
    contents: () =>
      [
        '| pk | sk | item | owner |',
        '| --- | --- | --- | --- |',
        ...Object.values(ITEM_KINDS).map(
          (kind) => `| \`${kind.pk}\` | \`${kind.sk}\` | ${cell(kind.holds)} | \`lambda/${kind.owner}\` |`,
        ),
      ].join('\n'),
  },
];

/** The file's text with the block's contents written between its markers. */
export function withBlock(text: string, block: GeneratedBlock): string {
  const start = text.indexOf(block.start);
  const end = text.indexOf(block.end);
  if (start < 0 || end < start) throw new Error(`${block.file} has no ${block.start} … ${block.end} block`);
  return `${text.slice(0, start + block.start.length)}\n${block.contents()}\n${text.slice(end)}`;
}

if (require.main === module) {
  for (const block of BLOCKS) {
    writeFileSync(block.file, withBlock(readFileSync(block.file, 'utf8'), block));
    console.log(`${path.relative(ROOT, block.file)}: written`);
  }
}
