/** An error the CLI reports as one line on stderr with a given exit code. */
export class CliFailure extends Error {
  constructor(message: string, readonly exitCode: number = 1) {
    super(message);
  }
}

/** Bad arguments: exit code 2, with a pointer to --help. */
export function usageFailure(message: string): CliFailure {
  return new CliFailure(`${message}\nRun with --help to see the commands and their options.`, 2);
}
