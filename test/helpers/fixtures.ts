/** The golden fixtures in ../shared/fixtures (SEGREFINER_FIXTURES overrides the folder), read-only. */
import * as path from 'path';

export const FIXTURES_DIR = process.env.SEGREFINER_FIXTURES ?? path.join(__dirname, '..', '..', '..', 'shared', 'fixtures');
