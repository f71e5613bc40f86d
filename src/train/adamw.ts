/**
 * AdamW exactly as PyTorch's `torch.optim.AdamW` (the upstream optimizer; decoupled weight decay):
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
 * Written out (not tf.train.adam, whose ε sits in a different place) so the state is ours to save
 * and restore bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { adamWUpdate, AdamWKernelAttrs } from '../util/adamw_kernel';

export interface AdamWConfig {
  /** 4e-4 in the paper. */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 0 in the paper (so AdamW = Adam there). */
  weightDecay: number;
}

export const DEFAULT_ADAMW_CONFIG: Readonly<AdamWConfig> = Object.freeze({ lr: 4e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });

/** The optimizer state as plain arrays, for checkpoints. */
export interface AdamWState {
  step: number;
  /** First and second moments per parameter name. */
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

export class AdamW {
  private step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(readonly config: AdamWConfig) {}

  get stepCount(): number {
    return this.step;
  }

  /**
   * One update with learning rate `lr` (the schedule's value for this step). `grads` maps parameter
   * names to gradients; the caller still owns them.
   */
  apply(params: Map<string, tf.Variable>, grads: Map<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay } = this.config;
    const stepSize = lr / (1 - beta1 ** this.step);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** this.step);
    // one fused kernel per parameter where the backend has it, else tf ops: the same numbers (util/adamw_kernel.ts)
    const attrs: AdamWKernelAttrs = { beta1, beta2, eps, decay: weightDecay > 0 ? 1 - lr * weightDecay : 1, stepSize, bias2Sqrt };
    for (const [name, g] of grads) {
      const p = params.get(name);
      if (!p) throw new Error(`AdamW.apply: gradient '${name}' must belong to a parameter, but none has that name.`);
      const m = this.slot(this.m, name, p), v = this.slot(this.v, name, p);
      tf.tidy(() => {
        const [pNext, mNext, vNext] = adamWUpdate(p, g, m, v, attrs);
        m.assign(mNext);
        v.assign(vNext);
        p.assign(pNext);
      });
    }
  }

  async getState(): Promise<AdamWState> {
    const read = async (slots: Map<string, tf.Variable>) =>
      new Map(await Promise.all([...slots].map(async ([k, t]) => [k, (await t.data()) as Float32Array] as const)));
    return { step: this.step, m: await read(this.m), v: await read(this.v) };
  }

  /** Restores a saved state; `params` gives the shapes. */
  setState(state: AdamWState, params: Map<string, tf.Variable>): void {
    this.disposeSlots();
    this.step = state.step;
    for (const [slots, saved] of [[this.m, state.m], [this.v, state.v]] as const) {
      for (const [name, data] of saved) {
        const p = params.get(name);
        if (!p) throw new Error(`AdamW.setState: saved slot '${name}' must belong to a parameter, but none has that name.`);
        if (data.length !== p.size) throw new Error(`AdamW.setState: slot '${name}' must have ${p.size} values, but got ${data.length}.`);
        slots.set(name, tf.tidy(() => tf.variable(tf.tensor(data, p.shape), false)));
      }
    }
  }

  dispose(): void {
    this.disposeSlots();
  }

  private disposeSlots(): void {
    this.m.forEach((t) => t.dispose());
    this.v.forEach((t) => t.dispose());
    this.m.clear();
    this.v.clear();
  }

  private slot(slots: Map<string, tf.Variable>, name: string, p: tf.Variable): tf.Variable {
    let s = slots.get(name);
    if (!s) {
      s = tf.tidy(() => tf.variable(tf.zerosLike(p), false)); // tidy frees the initial value, the variable keeps its data
      slots.set(name, s);
    }
    return s;
  }
}
