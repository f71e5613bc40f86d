#!/usr/bin/env node
// The web page (src/web, issue 17): builds it with esbuild into dist/web/ and serves it locally.
//   node scripts/web.js [--port 8080] [--host 127.0.0.1] [--build-only]     (npm run web)
// Served: dist/web/ at /, the repository's models/ at /models/ (the page loads a model folder from
// there), with the cross-origin isolation headers that let the wasm backend use threads.
const fs = require('fs');
const http = require('http');
const path = require('path');
const { URL } = require('url');

const ROOT = path.join(__dirname, '..');
const OUT_DIR = path.join(ROOT, 'dist', 'web');
const WASM_DIR = path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

/** Bundles src/web/main.ts and copies the page, its style and the wasm binaries into outDir. */
async function buildWeb(outDir = OUT_DIR) {
  const esbuild = require('esbuild');
  fs.mkdirSync(path.join(outDir, 'wasm'), { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'src', 'web', 'main.ts')], outfile: path.join(outDir, 'page.js'), tsconfig: path.join(ROOT, 'src', 'web', 'tsconfig.json'),
    bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true, sourcemap: 'linked', logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const file of ['index.html', 'page.css']) fs.copyFileSync(path.join(ROOT, 'src', 'web', file), path.join(outDir, file));
  for (const file of WASM_FILES) fs.copyFileSync(path.join(WASM_DIR, file), path.join(outDir, 'wasm', file));
  return outDir;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json',
  '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.safetensors': 'application/octet-stream',
};

/** The file a URL path names under one of the roots, or null (outside the roots, or missing). */
function resolveFile(urlPath, roots) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const [prefix, dir] = roots.find(([p]) => decoded.startsWith(p));
  const file = path.join(dir, path.normalize(decoded.slice(prefix.length)).replace(/^([/\\])+/, ''));
  if (file !== dir && !file.startsWith(dir + path.sep)) return null;
  const target = fs.existsSync(file) && fs.statSync(file).isDirectory() ? path.join(file, 'index.html') : file;
  return fs.existsSync(target) && fs.statSync(target).isFile() ? target : null;
}

/** Starts the server; resolves with it and its URL once it listens (port 0: any free port). */
function serveWeb({ port = 8080, host = '127.0.0.1', outDir = OUT_DIR } = {}) {
  const roots = [['/models/', path.join(ROOT, 'models')], ['/', outDir]];
  const server = http.createServer((req, res) => {
    const file = req.method === 'GET' || req.method === 'HEAD' ? resolveFile(new URL(req.url, 'http://x').pathname, roots) : null;
    // Threads in wasm need SharedArrayBuffer, which a browser gives only to a cross-origin isolated page.
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-store' };
    if (!file) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${req.url}\n`);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': fs.statSync(file).size });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`serveWeb: port ${port} on ${host} must be free, but listening failed: ${error.message}`)));
    server.listen(port, host, () => resolve({ server, url: `http://${host}:${server.address().port}/` }));
  });
}

function parseArgs(argv) {
  const opts = { port: Number(process.env.PORT ?? 8080), host: '127.0.0.1', buildOnly: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') opts.port = Number(argv[++i]);
    else if (argv[i] === '--host') opts.host = argv[++i];
    else if (argv[i] === '--build-only') opts.buildOnly = true;
    else throw new Error(`web: unknown argument '${argv[i]}'; expected --port N, --host H or --build-only.`);
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`web: --port must be an integer in [0, 65535], but got ${opts.port}.`);
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  await buildWeb();
  console.log(`web: built ${path.relative(ROOT, OUT_DIR)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (opts.buildOnly) return;
  const { url } = await serveWeb(opts);
  console.log(`web: serving the page at ${url}  (models/ at ${url}models/; Ctrl-C stops)`);
}

if (require.main === module) main().catch((error) => { console.error(error.message); process.exit(1); });

module.exports = { buildWeb, serveWeb };
