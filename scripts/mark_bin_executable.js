#!/usr/bin/env node
// Marks every `bin` target of package.json executable after `tsc`, which writes files with mode 644.
// npm sets the mode itself only when it links a bin; `npx segrefiner` reuses a link cached from an
// earlier install, so without this a fresh build of the same folder is "Permission denied".
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
for (const bin of bins) {
  const file = path.join(root, bin);
  if (!fs.existsSync(file)) {
    console.error(`mark_bin_executable: bin ${bin} was not built (expected ${file})`);
    process.exit(1);
  }
  fs.chmodSync(file, 0o755);
}
