#!/usr/bin/env node
// The package's `incident-bot` command: runs cli/incident-bot.ts through tsx's require hook, in this
// process (no second Node start).
'use strict';
require('tsx/cjs');
const { main } = require('../cli/incident-bot.ts');

process.exitCode = main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  now: () => new Date(),
});
