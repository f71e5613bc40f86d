/**
 * DenoiseUNet configuration (style B7) and presets. Field names are the camelCase of the upstream
 * `DenoiseUNet(...)` arguments (diffusion_unet_head.py); `unetConfigFromUpstream` maps the snake_case
 * constructor kwargs (as in a fixture's config.json) one to one.
 */

export interface UNetConfig {
  /** Input channels: 3 image + 1 mask. */
  inChannels: number;
  /** Output channels: 1 logit map. */
  outChannels: number;
  /** Channels of level 0; every level is modelChannels × channelMult[level]. GroupNorm(32) needs multiples of 32. */
  modelChannels: number;
  /** Channel multiplier per resolution level; a stride-2 down conv between levels. */
  channelMult: number[];
  /** ResBlocks per encoder level (the decoder has one more per level). */
  numResBlocks: number;
  /** Downsampling factors (ds = 1, 2, 4, …) at which ResBlocks are followed by self-attention. */
  attentionStrides: number[];
  /** Attention heads in the encoder and middle block. */
  numHeads: number;
  /** Attention heads in the decoder; −1 means numHeads (upstream default). */
  numHeadsUpsample: number;
  /** Dropout inside ResBlocks while training (0 in the paper). */
  dropout: number;
  /** Rows of the learned time-embedding table: the diffusion's T. */
  numTimesteps: number;
}

/** The paper's network (configs/segrefiner/segrefiner_lr.py, reused by _hr): 118,604,673 parameters, 256² input. */
export const PAPER_UNET_CONFIG: Readonly<UNetConfig> = Object.freeze({
  inChannels: 4,
  outChannels: 1,
  modelChannels: 128,
  channelMult: [1, 1, 2, 2, 4, 4],
  numResBlocks: 2,
  attentionStrides: [16, 32],
  numHeads: 4,
  numHeadsUpsample: -1,
  dropout: 0,
  numTimesteps: 6,
});

/**
 * The CPU preset of the shipped models (cpu-synthetic, cpu-real), trained at 96² on 2 cores.
 * Same architecture rules as the paper, scaled down:
 * - modelChannels 32: the smallest width GroupNorm(32) allows (one channel per group at level 0);
 * - channelMult [1, 2, 2, 4]: four levels take a 96² input to 12², enough context for a 96² crop;
 * - numResBlocks 1: half the paper's depth per level; most of the cost is in the level-0 convs anyway;
 * - attentionStrides [8]: attention only at the lowest level (12² tokens for a 96² input), as the
 *   paper attends only at its two lowest levels.
 */
export const CPU_UNET_CONFIG: Readonly<UNetConfig> = Object.freeze({
  ...PAPER_UNET_CONFIG,
  modelChannels: 32,
  channelMult: [1, 2, 2, 4],
  numResBlocks: 1,
  attentionStrides: [8],
});

export const UNET_PRESETS = { paper: PAPER_UNET_CONFIG, cpu: CPU_UNET_CONFIG } as const;
export type UNetPresetName = keyof typeof UNET_PRESETS;

/** Fills defaults (the paper's) and validates; unknown keys and inconsistent sizes are errors. */
export function resolveUNetConfig(partial: Partial<UNetConfig> = {}, where = 'resolveUNetConfig'): UNetConfig {
  for (const key of Object.keys(partial)) {
    if (!(key in PAPER_UNET_CONFIG)) {
      throw new Error(`${where}: unknown key '${key}'; expected one of ${Object.keys(PAPER_UNET_CONFIG).join(', ')}.`);
    }
  }
  const c: UNetConfig = { ...PAPER_UNET_CONFIG, ...partial };
  c.channelMult = [...c.channelMult];
  c.attentionStrides = [...c.attentionStrides];
  for (const k of ['inChannels', 'outChannels', 'modelChannels', 'numResBlocks', 'numHeads', 'numTimesteps'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`${where}: ${k} must be a positive integer, but got ${c[k]}.`);
  }
  if (c.channelMult.length === 0 || !c.channelMult.every((m) => Number.isInteger(m) && m >= 1)) {
    throw new Error(`${where}: channelMult must be a non-empty list of positive integers, but got [${c.channelMult.join(',')}].`);
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`${where}: dropout must be in [0, 1), but got ${c.dropout}.`);
  if (!(c.numHeadsUpsample === -1 || (Number.isInteger(c.numHeadsUpsample) && c.numHeadsUpsample >= 1))) {
    throw new Error(`${where}: numHeadsUpsample must be −1 or a positive integer, but got ${c.numHeadsUpsample}.`);
  }
  for (const m of c.channelMult) {
    const ch = m * c.modelChannels;
    if (ch % 32 !== 0) throw new Error(`${where}: every level's channels must be a multiple of 32 (GroupNorm32), but level width ${ch} is not.`);
  }
  return c;
}

/** Heads used by decoder attention blocks. */
export function decoderHeads(c: UNetConfig): number {
  return c.numHeadsUpsample === -1 ? c.numHeads : c.numHeadsUpsample;
}

/** The input side must be divisible by this: 2^(levels − 1). */
export function sizeMultiple(c: UNetConfig): number {
  return 2 ** (c.channelMult.length - 1);
}

/** The one check of a model input side: a positive integer multiple of 2^(levels − 1) (training, model folders, refiners). */
export function checkImageSize(c: UNetConfig, imageSize: unknown, where: string): number {
  const m = sizeMultiple(c);
  if (typeof imageSize !== 'number' || !Number.isInteger(imageSize) || imageSize < m || imageSize % m !== 0) {
    throw new Error(`${where}: imageSize must be a positive multiple of ${m} (2^(levels−1)) for this network, but got ${JSON.stringify(imageSize)}.`);
  }
  return imageSize;
}

/** Upstream kwargs that must have these values: other variants of the module are not implemented. */
const FIXED_UPSTREAM_KWARGS: Record<string, unknown> = {
  learn_time_embd: true, conv_resample: true, dims: 2, use_scale_shift_norm: false, return_logits: false,
};
const UPSTREAM_KWARG_NAMES: Record<string, keyof UNetConfig> = {
  in_channels: 'inChannels', out_channels: 'outChannels', model_channels: 'modelChannels', channel_mult: 'channelMult',
  num_res_blocks: 'numResBlocks', attention_strides: 'attentionStrides', num_heads: 'numHeads',
  num_heads_upsample: 'numHeadsUpsample', dropout: 'dropout', num_timesteps: 'numTimesteps',
};

/**
 * Maps upstream `DenoiseUNet(**kwargs)` (snake_case, as in a fixture's `constructor_kwargs`) to a
 * UNetConfig. Unknown kwargs, and kwargs selecting variants this port does not implement, are errors.
 */
export function unetConfigFromUpstream(kwargs: Record<string, unknown>, where = 'unetConfigFromUpstream'): UNetConfig {
  const partial: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (key in UPSTREAM_KWARG_NAMES) partial[UPSTREAM_KWARG_NAMES[key]] = value;
    else if (key in FIXED_UPSTREAM_KWARGS) {
      // upstream return_logits=true drops the `out` head (and its forward then fails), so only false is valid
      if (value !== FIXED_UPSTREAM_KWARGS[key]) {
        throw new Error(`${where}: ${key} must be ${String(FIXED_UPSTREAM_KWARGS[key])} (the only variant implemented), but got ${String(value)}.`);
      }
    } else {
      throw new Error(`${where}: unknown upstream kwarg '${key}'; expected one of ${[...Object.keys(UPSTREAM_KWARG_NAMES), ...Object.keys(FIXED_UPSTREAM_KWARGS)].join(', ')}.`);
    }
  }
  return resolveUNetConfig(partial as Partial<UNetConfig>, where);
}
