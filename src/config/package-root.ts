import { resolve } from 'node:path';

/**
 * The repository root, whether running from src/ (tests) or dist/ (built): defaults such as
 * the rules folder, the demo dataset and the migrations are found from here, not from the
 * working directory, so the service starts the same from anywhere.
 */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');
