#!/usr/bin/env node
// The package's `incident-bot` command (cli/incident-bot.ts). esbuild (a devDependency) bundles the
// CLI's TypeScript in memory (its dependencies left to require) and this process runs it: one build,
// no transform cache to warm, so a fresh CI machine starts as fast as a warm one (tsx transforms file
// by file and, on a cold cache as in CI, took ~300 ms longer).
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { buildSync } = require('esbuild');

const entry = path.join(__dirname, '..', 'cli', 'incident-bot.ts');
const { outputFiles } = buildSync({
  entryPoints: [entry],
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  write: false,
  logLevel: 'error',
});
const cli = new Module(entry, module);
cli.filename = entry;
cli.paths = Module._nodeModulePaths(path.dirname(entry));
cli._compile(outputFiles[0].text, entry);

// Sets process.exitCode once the command (which may read a store) has finished.
cli.exports.run();
