#!/usr/bin/env node
// The operators' CLI; runs the compiled code (npm run build).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'ops-cli', 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('hendelseslager: not built yet; run `npm run build` first\n');
  process.exit(1);
}
require(main);
