#!/usr/bin/env node
/**
 * The `edgefront` command: one file per subcommand; usage and config errors are printed
 * plainly (exit 1), never as stack traces.
 */
import { ConfigError, UsageError } from '../errors.js';
import { runServe } from './serve.js';
import { runValidateCommand } from './validate-command.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  serve: { run: runServe, summary: 'serve distributions from a config or CloudFormation template' },
  validate: { run: runValidateCommand, summary: 'check configs and templates against CloudFront’s rules' },
};

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
