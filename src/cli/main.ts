#!/usr/bin/env node
/**
 * The `edgefront` command: one file per subcommand; usage and config errors are printed
 * plainly (exit 1), never as stack traces. A command's module is loaded when it runs, so
 * `validate` and `functions test` start without loading the server (~0.6 s here).
 */
import { ConfigError, UsageError } from '../errors.js';

type Run = (argv: string[]) => Promise<number>;

const runServe: Run = async (argv) => (await import('./serve.js')).runServe(argv);
const runValidateCommand: Run = async (argv) =>
  (await import('./validate-command.js')).runValidateCommand(argv);
const runFunctionsTest: Run = async (argv) => (await import('./functions-test.js')).runFunctionsTest(argv);
const runInvalidate: Run = async (argv) => (await import('./invalidate.js')).runInvalidate(argv);

const COMMANDS: Record<string, { run: Run; summary: string }> = {
  serve: { run: runServe, summary: 'serve distributions from a config or CloudFormation template' },
  validate: { run: runValidateCommand, summary: 'check configs and templates against CloudFront’s rules' },
  functions: {
    run: runFunctions,
    summary: 'edge functions: test FILE --event EVENT.json (TestFunction locally)',
  },
  invalidate: {
    run: runInvalidate,
    summary: 'invalidate cached paths through the control API and wait until Completed',
  },
};

/** `edgefront functions <subcommand>`: test is built; replay and package come later (DESIGN.md "Tools"). */
const FUNCTIONS_SUBCOMMANDS: Record<string, { run?: Run; summary: string }> = {
  test: { run: runFunctionsTest, summary: 'run a CloudFront Function or Lambda@Edge handler on one event' },
  replay: { summary: 'not built yet (issue #4)' },
  package: { summary: 'not built yet (issue #4)' },
};

async function runFunctions(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === 'help') {
    const rows = Object.entries(FUNCTIONS_SUBCOMMANDS).map(
      ([name, c]) => `  ${name.padEnd(10)} ${c.summary}`,
    );
    process.stdout.write(
      `Usage: edgefront functions <subcommand> [flags]\n\nSubcommands:\n${rows.join('\n')}\n\nRun edgefront functions <subcommand> --help for its flags.\n`,
    );
    return sub ? 0 : 1;
  }
  const entry = FUNCTIONS_SUBCOMMANDS[sub];
  if (!entry?.run)
    throw new UsageError(
      entry
        ? `edgefront functions ${sub}: ${entry.summary}`
        : `edgefront functions: unknown subcommand "${sub}" (subcommands: ${Object.keys(FUNCTIONS_SUBCOMMANDS).join(', ')})`,
    );
  return entry.run(rest);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
    process.stdout.write(
      `Usage: edgefront <command> [flags]\n\nCommands:\n${rows.join('\n')}\n\nRun edgefront <command> --help for its flags.\n`,
    );
    return command ? 0 : 1;
  }
  const entry = COMMANDS[command];
  if (!entry)
    throw new UsageError(
      `edgefront: unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(', ')})`,
    );
  return entry.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`edgefront: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exitCode = 1;
  },
);
