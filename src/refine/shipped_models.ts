/**
 * The models shipped in the package's models/ folder: `cpu-real` (trained on real photographs, the
 * default for `SegRefiner.load()` and `segrefiner refine`) and `cpu-synthetic` (trained on the built-in
 * synthetic scenes; the synthetic studies and the README's main job use it).
 */
import * as path from 'path';

/** models/ at the package root (from src/refine or dist/refine). */
const MODELS_DIR = path.join(__dirname, '..', '..', 'models');

/** The default model: the CPU preset trained on real photographs (models/cpu-real/MODEL_CARD.md). */
export const DEFAULT_MODEL_DIR = path.join(MODELS_DIR, 'cpu-real');
/** The CPU preset trained on the built-in synthetic scenes (models/cpu-synthetic/MODEL_CARD.md). */
export const SYNTHETIC_MODEL_DIR = path.join(MODELS_DIR, 'cpu-synthetic');
