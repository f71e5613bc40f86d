#!/usr/bin/env node
// Packs experiments/bench_gpu.ts into gpu_bench/ (git-ignored), a folder that runs on an offline Linux
// x64 GPU machine with nothing installed there but the NVIDIA driver:
//   node scripts/pack_gpu_bench.js [--no-node]     here (needs npm ci; ~45 MB, under the 64 MiB a
//                                                  device run may carry)
//   bash gpu_bench/run.sh [bench flags]            there (writes $OUT/bench_gpu.{json,log}, else gpu_bench/out/)
// Contents: bench_gpu.js (esbuild bundle: tfjs, tfjs-backend-webgpu, src/; sharp stubbed, the bench never
// writes images), node_modules/webgpu (index.js + dawn.node, gzipped), node.gz (this Node, used only
// where the machine has no Node ≥ 20.19), lib/libvulkan.so.1 (Debian's Vulkan loader, used only where the
// machine has none) and run.sh, which also writes an ICD file for the NVIDIA driver when the container
// exposes the driver's libGLX_nvidia.so.0 but no ICD file.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');

const ROOT = path.join(__dirname, '..');
const OUT = path.join(ROOT, 'gpu_bench');

function gzipFile(from, to) {
  fs.writeFileSync(to, zlib.gzipSync(fs.readFileSync(from), { level: 6 }));
}

async function bundle() {
  const esbuild = require('esbuild');
  const stubSharp = {
    name: 'stub-sharp',
    setup(build) {
      build.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'stub' }));
      build.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
        contents: "module.exports = () => { throw new Error('sharp is not part of the GPU benchmark bundle'); };",
        loader: 'js',
      }));
    },
  };
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'experiments', 'bench_gpu.ts')],
    outfile: path.join(OUT, 'bench_gpu.js'),
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error',
    external: ['webgpu'], plugins: [stubSharp],
  });
}

function copyDawn() {
  const src = path.dirname(require.resolve('webgpu/package.json', { paths: [ROOT] }));
  const dst = path.join(OUT, 'node_modules', 'webgpu');
  fs.mkdirSync(path.join(dst, 'dist', 'linux-x64'), { recursive: true });
  for (const f of ['package.json', 'index.js', 'LICENSE.md']) fs.copyFileSync(path.join(src, f), path.join(dst, f));
  gzipFile(path.join(src, 'dist', 'linux-x64', 'dawn.node'), path.join(dst, 'dist', 'linux-x64', 'dawn.node.gz'));
}

/** Debian's libvulkan1 (the loader), unpacked from the package apt would install; null if apt cannot fetch it. */
function fetchVulkanLoader() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-bench-vulkan-'));
  try {
    execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: tmp, stdio: 'ignore' });
    const deb = fs.readdirSync(tmp).find((f) => f.endsWith('.deb'));
    execFileSync('dpkg-deb', ['-x', path.join(tmp, deb), path.join(tmp, 'root')]);
    const lib = execFileSync('find', [path.join(tmp, 'root'), '-name', 'libvulkan.so.1.*', '-type', 'f'], { encoding: 'utf8' }).trim().split('\n')[0];
    fs.mkdirSync(path.join(OUT, 'lib'), { recursive: true });
    fs.copyFileSync(lib, path.join(OUT, 'lib', 'libvulkan.so.1'));
    return path.basename(deb);
  } catch {
    return null;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`pack_gpu_bench: must run on linux-x64 (the bundle carries this Node), but this is ${process.platform}-${process.arch}.`);
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  await bundle();
  copyDawn();
  if (!process.argv.includes('--no-node')) gzipFile(process.execPath, path.join(OUT, 'node.gz'));
  const loader = fetchVulkanLoader();
  fs.copyFileSync(path.join(__dirname, 'gpu_bench_run.sh'), path.join(OUT, 'run.sh'));
  fs.chmodSync(path.join(OUT, 'run.sh'), 0o755);
  const pkg = (name) => require(require.resolve(`${name}/package.json`, { paths: [ROOT] })).version;
  fs.writeFileSync(path.join(OUT, 'MANIFEST.json'), `${JSON.stringify({
    made: new Date().toISOString(), node: process.version, webgpu: pkg('webgpu'), tfjs: pkg('@tensorflow/tfjs'),
    'tfjs-backend-webgpu': pkg('@tensorflow/tfjs-backend-webgpu'), vulkanLoader: loader ?? 'not bundled (apt-get download libvulkan1 failed)',
    commit: (() => { try { return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { return 'unknown'; } })(),
  }, null, 2)}\n`);
  const size = execFileSync('du', ['-sh', OUT], { encoding: 'utf8' }).split('\t')[0];
  console.log(`gpu_bench/ ready (${size}); Vulkan loader: ${loader ?? 'not bundled'}. Run there: bash gpu_bench/run.sh [--small]`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
