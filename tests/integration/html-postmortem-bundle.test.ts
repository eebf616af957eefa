/**
 * The HTML postmortem as a Lambda runs it: lambda/pictures/html-postmortem.ts bundled with the stack's
 * esbuild options (infra/bundling.ts: CommonJS, module fields first), loaded by `node` on its own.
 * marked ships only an ES module, and Jest loads its UMD build instead (jest.config.js), so this is
 * where the build the functions get is rendered.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { esbuildBuildOptions, LAMBDA_ENVIRONMENT } from '../../infra/bundling';

const ENTRY = path.resolve(__dirname, '../../lambda/pictures/html-postmortem.ts');

describe('the HTML postmortem in a Lambda bundle', () => {
  it('bundles marked into CommonJS and renders a page, people’s HTML as text', async () => {
    const outDir = await mkdtemp(path.join(os.tmpdir(), 'incident-bot-html-bundle-'));
    const outfile = path.join(outDir, 'html-postmortem.js');
    await build({ ...esbuildBuildOptions(), entryPoints: [ENTRY], outfile, logLevel: 'silent' });

    const script = `
      const { postmortemHtml } = require(process.argv[1]);
      process.stdout.write(postmortemHtml(
        '# INC-1: Bundled\\n\\n- a <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://ok.example/)',
        { title: 'INC-1', chartSvg: '<svg viewBox="0 0 1 1"></svg>' },
      ));
    `;
    const html = execFileSync(process.execPath, ['-e', script, outfile], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...LAMBDA_ENVIRONMENT },
    });

    expect(html).toContain('<h1>INC-1: Bundled</h1>');
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) <a href="https://ok.example/">ok</a>',
    );
    expect(html).toContain('<svg viewBox="0 0 1 1"></svg>');
    expect(html).not.toContain('<script');
    // The module format the bundle was built in; marked inside it, not required at run time.
    const bundled = await readFile(outfile, 'utf8');
    expect(bundled).not.toMatch(/require\(["']marked["']\)/);
  }, 60_000);
});
