import { setFlagsFromString } from 'node:v8';
import { AppConfig } from './app-config';

/**
 * V8's flags from the configuration, set at start-up, before the application allocates (V8
 * reads --heap-growing-percent each time it sizes the heap after a full GC). Returns the flags set.
 */
export function applyV8Flags(config: Pick<AppConfig, 'HEAP_GROWING_PERCENT'>, set: (flags: string) => void = setFlagsFromString): string[] {
  const flags = config.HEAP_GROWING_PERCENT > 0 ? [`--heap-growing-percent=${config.HEAP_GROWING_PERCENT}`] : [];
  for (const flag of flags) set(flag);
  return flags;
}
