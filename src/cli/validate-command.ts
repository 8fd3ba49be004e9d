/** `edgefront validate FILE…`: flag parsing; the checking itself is `runValidate` (src/cli/validate.ts). */
import { UsageError } from '../errors.js';
import { type FlagTable, helpText, parseFlags } from './flags.js';
import { runValidate } from './validate.js';

export const VALIDATE_FLAGS: FlagTable = {
  parameter: { type: 'pairs', value: 'KEY=VALUE', help: 'CloudFormation template parameter (repeatable)' },
  json: { type: 'bool', help: 'print { ok, issues, notes } as JSON' },
  help: { type: 'bool', help: 'show this help' },
};

export async function runValidateCommand(argv: string[]): Promise<number> {
  const { values, positional } = parseFlags('validate', VALIDATE_FLAGS, argv);
  if (values.help) {
    process.stdout.write(
      helpText(
        'edgefront validate FILE… [flags]',
        'Check configs and templates against CloudFront’s rules; exit 1 on any error.',
        VALIDATE_FLAGS,
      ),
    );
    return 0;
  }
  if (positional.length === 0) throw new UsageError('edgefront validate: name at least one FILE');
  return runValidate(positional, {
    parameters: values.parameter as Record<string, string> | undefined,
    json: values.json === true,
  });
}
