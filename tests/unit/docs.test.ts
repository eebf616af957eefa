/**
 * The generated parts of the docs (local/write-docs.ts) are what the code says: the README's command
 * reference is the verb table's, docs/architecture.md's table items are `ITEM_KINDS`. Run
 * `npx tsx local/write-docs.ts` after changing either. And no doc or code comment points to a
 * document outside the repository.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BLOCKS, withBlock } from '../../local/write-docs';

describe('the generated docs', () => {
  it.each(BLOCKS.map((block) => [path.basename(block.file), block] as const))(
    '%s is in step with the code (run `npx tsx local/write-docs.ts`)',
    (_name, block) => {
      const text = readFileSync(block.file, 'utf8');
      expect(withBlock(text, block)).toBe(text);
    },
  );
});

describe('the docs of the repository', () => {
  const root = path.resolve(__dirname, '..', '..');
  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : files(full);
      return /\.(ts|md|js|cjs|yml|yaml|json)$/.test(name) ? [full] : [];
    });
  }

  it('point only to documents in the repository (docs/, the README), never to one outside it', () => {
    const sources = [
      ...['lambda', 'local', 'infra', 'bench', 'tests', 'docs', 'examples'].flatMap((dir) =>
        files(path.join(root, dir)),
      ),
      path.join(root, 'README.md'),
    ].filter((file) => file !== __filename);
    const outside = sources.filter((file) => /product\.md|\.\.\/shared\//.test(readFileSync(file, 'utf8')));
    expect(outside.map((file) => path.relative(root, file))).toEqual([]);
  });
});
