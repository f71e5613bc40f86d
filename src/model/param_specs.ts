/**
 * The parameter list of DenoiseUNet in upstream `state_dict` order, with PyTorch key names and
 * shapes, computed from the config alone (no tensors): used to count parameters, to build the
 * model, and to check checkpoints key by key.
 */
import { LayerPlan, planUNet } from './architecture';
import { UNetConfig } from './config';

/**
 * How a parameter is laid out, which decides its conversion between PyTorch and tfjs:
 * conv2d OIHW ↔ HWIO; linear [out,in] ↔ [in,out]; conv1d (attention 1×1) [out,in,1] ↔ [in,out];
 * vector and embedding are the same in both.
 */
export type ParamLayout = 'conv2d' | 'conv1d' | 'linear' | 'vector' | 'embedding';

export interface ParamSpec {
  /** The upstream state_dict key, e.g. `input_blocks.1.0.in_layers.2.weight`. */
  key: string;
  /** Shape in PyTorch layout. */
  torchShape: number[];
  layout: ParamLayout;
  /** For attention qkv parameters: the number of heads (their channel order is head-major upstream). */
  qkvHeads?: number;
}

function conv2d(specs: ParamSpec[], prefix: string, cin: number, cout: number, k: number): void {
  specs.push({ key: `${prefix}.weight`, torchShape: [cout, cin, k, k], layout: 'conv2d' });
  specs.push({ key: `${prefix}.bias`, torchShape: [cout], layout: 'vector' });
}
function groupNorm(specs: ParamSpec[], prefix: string, c: number): void {
  specs.push({ key: `${prefix}.weight`, torchShape: [c], layout: 'vector' });
  specs.push({ key: `${prefix}.bias`, torchShape: [c], layout: 'vector' });
}

function layerSpecs(specs: ParamSpec[], layer: LayerPlan, timeEmbedDim: number): void {
  const p = layer.prefix;
  switch (layer.kind) {
    case 'conv': conv2d(specs, p, layer.inChannels, layer.outChannels, 3); break;
    case 'down': conv2d(specs, `${p}.op`, layer.channels, layer.channels, 3); break;
    case 'up': conv2d(specs, `${p}.conv`, layer.channels, layer.channels, 3); break;
    case 'res':
      groupNorm(specs, `${p}.in_layers.0`, layer.inChannels);
      conv2d(specs, `${p}.in_layers.2`, layer.inChannels, layer.outChannels, 3);
      specs.push({ key: `${p}.emb_layers.1.weight`, torchShape: [layer.outChannels, timeEmbedDim], layout: 'linear' });
      specs.push({ key: `${p}.emb_layers.1.bias`, torchShape: [layer.outChannels], layout: 'vector' });
      groupNorm(specs, `${p}.out_layers.0`, layer.outChannels);
      conv2d(specs, `${p}.out_layers.3`, layer.outChannels, layer.outChannels, 3);
      if (layer.inChannels !== layer.outChannels) conv2d(specs, `${p}.skip_connection`, layer.inChannels, layer.outChannels, 1);
      break;
    case 'attention': {
      const c = layer.channels;
      groupNorm(specs, `${p}.norm`, c);
      specs.push({ key: `${p}.qkv.weight`, torchShape: [3 * c, c, 1], layout: 'conv1d', qkvHeads: layer.numHeads });
      specs.push({ key: `${p}.qkv.bias`, torchShape: [3 * c], layout: 'vector', qkvHeads: layer.numHeads });
      specs.push({ key: `${p}.proj_out.weight`, torchShape: [c, c, 1], layout: 'conv1d' });
      specs.push({ key: `${p}.proj_out.bias`, torchShape: [c], layout: 'vector' });
      break;
    }
  }
}

/** All parameters in upstream state_dict order (registration order of the PyTorch modules). */
export function unetParamSpecs(c: UNetConfig): ParamSpec[] {
  const plan = planUNet(c);
  const specs: ParamSpec[] = [{ key: 'time_embed.weight', torchShape: [c.numTimesteps, plan.timeEmbedDim], layout: 'embedding' }];
  for (const block of [...plan.inputBlocks, plan.middleBlock, ...plan.outputBlocks]) {
    for (const layer of block) layerSpecs(specs, layer, plan.timeEmbedDim);
  }
  groupNorm(specs, 'out.0', plan.headChannels);
  conv2d(specs, 'out.2', c.modelChannels, c.outChannels, 3);
  return specs;
}

export function numElements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The number of parameters, without allocating any. */
export function countUNetParams(c: UNetConfig): number {
  return unetParamSpecs(c).reduce((n, s) => n + numElements(s.torchShape), 0);
}
