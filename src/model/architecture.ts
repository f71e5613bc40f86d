/**
 * The block plan of DenoiseUNet, derived from a config exactly as upstream `DenoiseUNet.__init__`
 * builds its ModuleLists (improved-diffusion's UNetModel). Both the parameter list (param_specs.ts)
 * and the forward pass (unet.ts) walk this plan, so names, shapes and order cannot drift apart.
 * Every layer carries its state_dict prefix, e.g. `input_blocks.5.1` for the AttentionBlock that
 * follows ResBlock `input_blocks.5.0`.
 */
import { decoderHeads, UNetConfig } from './config';

export type LayerPlan =
  | { kind: 'conv'; prefix: string; inChannels: number; outChannels: number }
  | { kind: 'res'; prefix: string; inChannels: number; outChannels: number }
  | { kind: 'attention'; prefix: string; channels: number; numHeads: number }
  | { kind: 'down'; prefix: string; channels: number }
  | { kind: 'up'; prefix: string; channels: number };

/** One `TimestepEmbedSequential`: its layers run in order. */
export type BlockPlan = LayerPlan[];

export interface UNetPlan {
  /** Width of the time embedding: 4 · modelChannels. */
  timeEmbedDim: number;
  inputBlocks: BlockPlan[];
  middleBlock: BlockPlan;
  outputBlocks: BlockPlan[];
  /** The head `out`: GroupNorm(modelChannels) → SiLU → conv3×3 to outChannels. */
  outChannels: number;
  headChannels: number;
}

export function planUNet(c: UNetConfig): UNetPlan {
  const timeEmbedDim = 4 * c.modelChannels;
  const inputBlocks: BlockPlan[] = [[{ kind: 'conv', prefix: 'input_blocks.0.0', inChannels: c.inChannels, outChannels: c.modelChannels }]];
  const skipChannels = [c.modelChannels];
  let ch = c.modelChannels, ds = 1;
  c.channelMult.forEach((mult, level) => {
    for (let r = 0; r < c.numResBlocks; r++) {
      const prefix = `input_blocks.${inputBlocks.length}`;
      const block: BlockPlan = [{ kind: 'res', prefix: `${prefix}.0`, inChannels: ch, outChannels: mult * c.modelChannels }];
      ch = mult * c.modelChannels;
      if (c.attentionStrides.includes(ds)) block.push({ kind: 'attention', prefix: `${prefix}.1`, channels: ch, numHeads: c.numHeads });
      inputBlocks.push(block);
      skipChannels.push(ch);
    }
    if (level !== c.channelMult.length - 1) {
      inputBlocks.push([{ kind: 'down', prefix: `input_blocks.${inputBlocks.length}.0`, channels: ch }]);
      skipChannels.push(ch);
      ds *= 2;
    }
  });
  const middleBlock: BlockPlan = [
    { kind: 'res', prefix: 'middle_block.0', inChannels: ch, outChannels: ch },
    { kind: 'attention', prefix: 'middle_block.1', channels: ch, numHeads: c.numHeads },
    { kind: 'res', prefix: 'middle_block.2', inChannels: ch, outChannels: ch },
  ];
  const outputBlocks: BlockPlan[] = [];
  for (let level = c.channelMult.length - 1; level >= 0; level--) {
    const mult = c.channelMult[level];
    for (let i = 0; i <= c.numResBlocks; i++) {
      const prefix = `output_blocks.${outputBlocks.length}`;
      const skip = skipChannels.pop() as number;
      const block: BlockPlan = [{ kind: 'res', prefix: `${prefix}.0`, inChannels: ch + skip, outChannels: c.modelChannels * mult }];
      ch = c.modelChannels * mult;
      if (c.attentionStrides.includes(ds)) block.push({ kind: 'attention', prefix: `${prefix}.${block.length}`, channels: ch, numHeads: decoderHeads(c) });
      if (level > 0 && i === c.numResBlocks) {
        block.push({ kind: 'up', prefix: `${prefix}.${block.length}`, channels: ch });
        ds /= 2;
      }
      outputBlocks.push(block);
    }
  }
  return { timeEmbedDim, inputBlocks, middleBlock, outputBlocks, outChannels: c.outChannels, headChannels: ch };
}
