/** The text of `--help`; each subcommand adds its own lines as it lands. */
export const USAGE = `Context Gateway command line: the extension's core, outside VS Code.

Usage:
  node dist/cli.js <command> [options]

Commands:
  symbols <file> [--json]      List the top-level definitions of a file (TypeScript, TSX,
                               JavaScript, Python) with their kinds and lines, and the
                               file's token count.

Options:
  -h, --help                   Show this help.
  -v, --version                Print the version.

Exit codes: 0 success, 1 error (message on stderr), 2 bad usage.`;
