import { askCommand } from './askCommand';
import { budgetCommand } from './budgetCommand';
import { printedOutput, type CommandOutput } from './commandOutput';
import { denyListCommand } from './denyListCommand';
import { drillCommand } from './drillCommand';
import { extractCommand } from './extractCommand';
import { usageFailure, CliFailure } from './failure';
import { queueCommand } from './queueCommand';
import { serveCommand } from './serveCommand';
import { symbolsCommand } from './symbolsCommand';
import { workerCommand } from './workerCommand';
import { plainTextWriter } from './terminalText';
import { USAGE } from './usage';

declare const CLI_VERSION: string | undefined;

/** What a command gets: where the runtime assets are, and where to write. */
export interface CliContext {
  readonly assetsDir: string;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

/** A subcommand: returns its exit code. */
type Command = (args: string[], ctx: CliContext) => Promise<number>;

/** A command whose whole output is one JSON value or one text on stdout. */
const printing = (run: (args: string[], assetsDir: string) => Promise<CommandOutput>): Command => async (args, ctx) => {
  ctx.out.write(`${printedOutput(await run(args, ctx.assetsDir))}\n`);
  return 0;
};

const COMMANDS: Record<string, Command> = {
  symbols: printing(symbolsCommand),
  ask: askCommand,
  queue: queueCommand,
  budget: budgetCommand,
  serve: serveCommand,
  worker: workerCommand,
  drill: drillCommand,
  extract: printing(extractCommand),
  'deny-list': printing(denyListCommand),
};

/** Runs one CLI invocation; returns the exit code. Output goes to the given streams. */
export async function runCli(argv: string[], assetsDir: string, out: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  // Errors and warnings quote file names, provider errors and user input: none reaches the terminal raw.
  const err = plainTextWriter(stderr);
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      out.write(`${USAGE}\n`);
      return name === undefined ? 2 : 0;
    }
    if (name === '-v' || name === '--version') {
      out.write(`${typeof CLI_VERSION === 'string' ? CLI_VERSION : 'dev'}\n`);
      return 0;
    }
    const command = COMMANDS[name];
    if (!command) throw usageFailure(`Unknown command "${name}".`);
    if (rest.includes('--help') || rest.includes('-h')) {
      out.write(`${USAGE}\n`);
      return 0;
    }
    return await command(rest, { assetsDir, out, err });
  } catch (e) {
    if (e instanceof CliFailure) {
      err.write(`${e.message}\n`);
      return e.exitCode;
    }
    // parseArgs reports unknown options with code ERR_PARSE_ARGS_*: a usage error, not a crash.
    if (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) {
      err.write(`${e.message}\nRun with --help to see the commands and their options.\n`);
      return 2;
    }
    err.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // The bundle lives in dist/ next to the .wasm grammars and rank tables it loads.
  void runCli(process.argv.slice(2), __dirname, process.stdout, process.stderr).then((code) => {
    process.exitCode = code;
  });
}
