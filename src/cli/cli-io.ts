// What the CLIs share: where they write (stdout and stderr when run, arrays in tests).

/** Where a CLI writes: `line` is the result (stdout), `error` is why it failed (stderr). */
export interface CliOutput {
  line(text: string): void;
  error(text: string): void;
  /** Colour and symbols on a terminal, plain text otherwise (CI logs, pipes). */
  colour?: boolean;
}

export type CliEnv = Record<string, string | undefined>;

/**
 * The value after `--name` in `args`, if given. Only for the bench scripts, which take their
 * own flags; the linetrust commands parse with command.ts, which refuses a missing value.
 */
export function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}
