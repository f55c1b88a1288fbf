// What the CLIs share: where they write (a console in bin/, an array in tests) and argv parsing.

/** Where a CLI writes: stdout and stderr when run, captured lines in tests. */
export interface CliOutput {
  line(text: string): void;
  error(text: string): void;
}

/** The value after `--name` in `args`, if given. */
export function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}
