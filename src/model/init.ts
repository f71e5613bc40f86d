/**
 * PyTorch's default initialisation (upstream disables zero_module, so every layer keeps it), drawn
 * from our seeded generator: Conv/Linear weights and biases U(−1/√fan_in, 1/√fan_in) (kaiming_uniform
 * with a = √5), GroupNorm weight 1 and bias 0, Embedding N(0, 1). Returns PyTorch-layout data.
 */
import { Rng } from '../util/rng';
import { numElements, ParamSpec } from './param_specs';

/** fan_in of the layer a parameter belongs to: in_channels · kernel area (torch shape [out, in, ...]). */
function fanIn(weightShape: number[]): number {
  return numElements(weightShape.slice(1));
}

/** Initial values for every spec, in order; `weightShapeOf(key)` finds a bias's weight. */
export function initialTorchParams(specs: ParamSpec[], rng: Rng): Map<string, Float32Array> {
  const shapes = new Map(specs.map((s) => [s.key, s.torchShape]));
  const out = new Map<string, Float32Array>();
  for (const spec of specs) {
    const n = numElements(spec.torchShape);
    const data = new Float32Array(n);
    const isNorm = /(in_layers\.0|out_layers\.0|\.norm|^out\.0)\.(weight|bias)$/.test(spec.key);
    if (spec.layout === 'embedding') for (let i = 0; i < n; i++) data[i] = rng.normal();
    else if (isNorm) data.fill(spec.key.endsWith('.weight') ? 1 : 0);
    else {
      const weight = shapes.get(spec.key.replace(/\.bias$/, '.weight'));
      if (!weight) throw new Error(`initialTorchParams: ${spec.key} must have a weight next to it, but none was found.`);
      const bound = 1 / Math.sqrt(fanIn(weight));
      for (let i = 0; i < n; i++) data[i] = (2 * rng.uniform() - 1) * bound;
    }
    out.set(spec.key, data);
  }
  return out;
}
