#!/usr/bin/env node
// Builds the optional native kernel addon (native/segrefiner_native.cc → native/build/segrefiner_native.node)
// when g++, Node's headers and oneDNN (Debian: libdnnl-dev) are present; otherwise prints why and
// succeeds, and everything runs on the wasm kernels. Run by `npm ci` (the package's install script).
// No download: g++ compiles against the system headers. SEGREFINER_NATIVE=0 skips the build.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const here = __dirname;
const source = path.join(here, 'segrefiner_native.cc');
const out = path.join(here, 'build', 'segrefiner_native.node');

/** The first folder holding node_api.h: next to this node binary, then the usual system places. */
function nodeIncludeDir() {
  const candidates = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  return candidates.find((d) => fs.existsSync(path.join(d, 'node_api.h')));
}

function hasCompiler() {
  try {
    execFileSync('g++', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function skip(reason) {
  console.log(`segrefiner native kernels: not built (${reason}); the wasm kernels are used.`);
  process.exit(0);
}

if (process.env.SEGREFINER_NATIVE === '0') skip('SEGREFINER_NATIVE=0');
if (process.platform !== 'linux' || process.arch !== 'x64') skip(`built on linux-x64 only, this is ${process.platform}-${process.arch}`);
if (!hasCompiler()) skip('no g++ on the PATH');
const include = nodeIncludeDir();
if (!include) skip("Node's headers (node_api.h) were not found");
if (!fs.existsSync('/usr/include/oneapi/dnnl/dnnl.hpp')) skip('oneDNN is not installed: apt-get install libdnnl-dev');

fs.mkdirSync(path.dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const args = ['-O2', '-std=c++17', '-shared', '-fPIC', '-fopenmp', '-DNODE_GYP_MODULE_NAME=segrefiner_native', `-I${include}`, source, '-ldnnl', '-o', tmp];
try {
  execFileSync('g++', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.renameSync(tmp, out); // atomic: a half-written addon is never loaded
} catch (error) {
  fs.rmSync(tmp, { force: true });
  skip(`g++ failed: ${String(error.message).split('\n')[0]}`);
}
console.log(`segrefiner native kernels: built ${path.relative(process.cwd(), out)} (oneDNN, OpenMP)`);
