/**
 * `cpu-real-chain`: the third stage of the default model (models/cpu-real). It teaches the later
 * reverse steps to correct the network's own prediction (TrainConfig.ownPredictionRate):
 *   npx segrefiner train --config cpu-real-chain \
 *     --set data.roots=../shared/data/train/ecssd,../shared/data/train/davis2016 --set data.rootWeights=0.6,0.4 \
 *     --set validation.roots=../shared/data/dev/ecssd,../shared/data/dev/davis2016
 * Everything else is stage 2's recipe (cpu-real-128), for the reasons given there and in stage 1's.
 */
import { CPU_REAL_128_RECIPE } from './cpu_real_128';

export const CPU_REAL_CHAIN_RECIPE = {
  ...CPU_REAL_128_RECIPE,
  name: 'cpu-real-chain',
  // stage 2 refined best after ONE reverse step: on the dev crops every further step lowered IoU and
  // mBA (stage 1's card: 80.5 → 76.7 IoU from 1 to 6 steps), because each step after the first is
  // given the network's earlier prediction where training gave it the ground truth, and trusts it.
  // Half of the samples with t < T−1 take their fine-state pixels from the network's own prediction.
  // Measured after 1,200 iterations (model card): 1 → 6 steps now costs 1.5 IoU points instead of 3.4
  // (stage 2: 80.3 → 76.9; stage 3: 79.9 → 78.4), and the 6-step chain gained 1.5 IoU / 1.8 mBA.
  ownPredictionRate: 0.5,
  // stage 2's weights; the run started from models/cpu-real, where they lay before this stage shipped
  initFrom: 'models/cpu-real/stage2',
  // fine-tuning a trained model: half of stage 2's peak rate, decayed after ~1.5 h of one core
  optimizer: { lr: 1e-4 },
  lrSchedule: { milestones: [1500, 2100], gamma: 0.5, warmupSteps: 50 },
};
