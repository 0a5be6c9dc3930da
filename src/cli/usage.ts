/** The text of `--help`; each subcommand adds its own lines as it lands. */
export const USAGE = `Context Gateway command line: the extension's core, outside VS Code.

Usage:
  node dist/cli.js <command> [options]

Commands:
  symbols <file> [--json]
      List the top-level definitions of a file (TypeScript, TSX, JavaScript, Python)
      with their kinds and lines, and the file's token count.

  extract <file> (--symbol <name> | --line <n> [--column <c>])
      [--budget <tokens>] [--encoding o200k_base|cl100k_base] [--factor <x>]
      [--root <dir>] [--exclude <glob>]... [--json]
      The payload that would be sent for one symbol (name, Class.method, or the
      innermost definition at a 1-based line/column): the target, the imports it
      uses, its class outline, signatures it references (same file, and one hop
      across relative imports), packed by priority under the budget (default 8000),
      secrets redacted. --json: target, pieces, payload, tokens, omitted, excluded,
      redacted. --root defaults to the nearest folder with .git, package.json,
      pyproject.toml or .contextignore.

  deny-list [--root <dir>] [--exclude <glob>]... [--check <file>]... [--json]
      The effective deny-list (defaults, .contextignore, settings globs) with where
      each pattern comes from; --check says whether a file may be sent, and which
      pattern denies it.

  ask --routes <file.json> --state-dir <dir> --prompt <text>
      [--system <text>] [--max-output-tokens <n>] [--stream] [--json] [--no-cache]
      Send a prompt through the fallback chain: hot routes, then warm routes, then
      the cold queue. Each route's key is read from the environment variable its
      "secret" names. Exit 0 answered, 75 queued (the id is printed), 1 failed.

  ask --routes <file.json> --state-dir <dir> --file <f> (--symbol <s> | --line <n>)
      [--task explain|bugs|tests|refactor|custom] [--instruction <text>] [--root <dir>]
      [--stream] [--json] [--no-cache]
      A task on a symbol (the agent loop): the pruned payload, then the tools. The
      instruction is redacted as the payload is; same exit codes.

  queue list --state-dir <dir> [--json]
  queue show <id> --state-dir <dir> [--json]
  queue drain --routes <file.json> --state-dir <dir> [--json]
      List waiting requests, show a stored answer, or send waiting requests now.

  budget status|resume|pause --routes <file.json> --state-dir <dir> [--json]
      The money budget of the state folder: spend, the pause at its threshold,
      and resuming or pausing new requests.

  serve --routes <file.json> --state-dir <dir> [--host <addr>] [--port <n>]
      The budget webhook for a billing pipeline: POST /budget/alert with
      {"percent": n}, {"spentUsd": n} or a Cloud Billing budget notification pauses
      every client sharing the budget at its pause threshold; POST /budget/resume
      resumes and drains the queue. Bearer token from CONTEXT_GATEWAY_WEBHOOK_TOKEN;
      loopback (127.0.0.1:8787) unless --host says otherwise.

  drill --routes <file.json> --state-dir <dir> [--yes] [--max-cost <usd>]
      [--no-budget] [--json]
      The failover drill on your real routes: each answers, streams, reports usage
      and makes a tool call; each tool conversation continues on every other route;
      each hot route's outage shows who takes over; a simulated budget pause queues
      a request and a resume drains it (on a throwaway ledger). Shows the calls and
      their cost at most first and asks (or --yes). Exit 0 all passed, 3 a check
      failed, 1 it could not run.

  worker --routes <file.json> --state-dir <dir> [--interval-ms <n>]
      [--listen <host:port>] [--once]
      Drain the queue with the routes' keys while no editor is open (for a service
      or a container): logs to stdout; SIGTERM lets the request in hand finish,
      then exits 0; --listen serves GET /healthz; --once drains once and exits.

Team backend (any command over a chain): --redis <url> [--namespace <ns>]
      Share the budget, the breakers and the cold queue through Redis (rediss://,
      or redis:// to loopback); overrides the routes file's "team" section. The
      password comes from REDIS_PASSWORD, the queue's encryption key from
      CONTEXT_GATEWAY_TEAM_KEY.

The routes file holds the same sections as the extension's settings:
  { "routes": [ { "id": "main", "tier": "hot", "provider": "openai", "model": "gpt-4o-mini",
                  "secret": "OPENAI_API_KEY" } ],
    "policy": { "timeoutMs": 60000, "retries": 2 }, "budget": { "limitUsd": 20, "period": "month" } }

Options:
  -h, --help                   Show this help.
  -v, --version                Print the version.

Exit codes: 0 success, 1 error (message on stderr), 2 bad usage, 75 queued, 130 interrupted.`;
