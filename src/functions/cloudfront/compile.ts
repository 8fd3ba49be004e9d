/**
 * Loading a function as CloudFront's publish would: size limit, syntax, the runtime's language
 * level and the `handler` declaration (language-level.ts), then the instrumented script in its
 * own sandbox.
 */
import { type Program, parse } from 'acorn';
import { CompiledFunction } from './compiled-function.js';
import { instrument } from './instrument.js';
import type { KeyValueReader } from './kvs.js';
import { checkLanguageLevel, type FunctionCodeProblem } from './language-level.js';
import {
  BYTES_PER_UNIT,
  COMPUTE_BUDGET,
  MAX_CODE_BYTES,
  MAX_LOG_BYTES,
  MAX_MEMORY_BYTES,
  SERVICE_CALL_UNITS,
} from './limits.js';
import { guardUnhandledRejections } from './sandbox/script.js';
import { FUNCTION_RUNTIMES, type FunctionRuntime } from './types.js';

export interface CompileFunctionInput {
  /** The function's name: stack traces show `<name>.js`. */
  name: string;
  runtime: FunctionRuntime;
  code: string;
  /** The associated KeyValueStore (2.0's `cf.kvs()`), read at call time. */
  kvs?: KeyValueReader;
}

/** Code CloudFront would refuse. `code` is the control API's error code for it. */
export class FunctionCodeError extends Error {
  override name = 'FunctionCodeError';
  constructor(
    readonly code: 'FunctionSizeLimitExceeded' | 'InvalidArgument',
    readonly problems: FunctionCodeProblem[],
  ) {
    super(problems.map((p) => `line ${p.line}, column ${p.column}: ${p.message}`).join('\n'));
  }
}

export interface FunctionCodeCheck {
  problems: FunctionCodeProblem[];
  /** Set when the code exceeds the 10 KB limit (then `problems` holds that too). */
  sizeExceeded: boolean;
  program?: Program;
}

/** Every reason CloudFront would refuse `code` for `runtime`, without loading it. */
export function checkFunctionCode(input: { runtime: FunctionRuntime; code: string }): FunctionCodeCheck {
  const problems: FunctionCodeProblem[] = [];
  if (!FUNCTION_RUNTIMES.includes(input.runtime)) {
    problems.push({
      line: 1,
      column: 1,
      feature: 'runtime',
      message: `runtime must be one of ${FUNCTION_RUNTIMES.join(', ')} (got ${JSON.stringify(input.runtime)})`,
    });
    return { problems, sizeExceeded: false };
  }
  const size = Buffer.byteLength(input.code);
  const sizeExceeded = size > MAX_CODE_BYTES;
  if (sizeExceeded) {
    problems.push({
      line: 1,
      column: 1,
      feature: 'size',
      message: `size: the code is ${size} bytes; CloudFront Functions allow ${MAX_CODE_BYTES} (FunctionSizeLimitExceeded)`,
    });
  }
  let program: Program;
  try {
    // Module goal: strict mode always (§2), and `import` parses so 1.0 can say it lacks it.
    program = parse(input.code, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  } catch (error) {
    const e = error as SyntaxError & { loc?: { line: number; column: number } };
    const message = e.message.replace(/ \(\d+:\d+\)$/, '');
    problems.push({
      line: e.loc?.line ?? 1,
      column: (e.loc?.column ?? 0) + 1,
      feature: 'syntax',
      message: `SyntaxError: ${message}`,
    });
    return { problems, sizeExceeded };
  }
  problems.push(...checkLanguageLevel(program, input.runtime));
  return { problems, sizeExceeded, program };
}

/** Loads `code`; throws FunctionCodeError listing every problem when CloudFront would refuse it. */
export function compileFunction(input: CompileFunctionInput): CompiledFunction {
  const check = checkFunctionCode(input);
  if (check.problems.length > 0 || !check.program) {
    throw new FunctionCodeError(
      check.sizeExceeded ? 'FunctionSizeLimitExceeded' : 'InvalidArgument',
      check.problems,
    );
  }
  guardUnhandledRejections();
  const source = instrument(check.program, input.code, COMPUTE_BUDGET);
  const config = {
    v2: input.runtime === 'cloudfront-js-2.0',
    budget: COMPUTE_BUDGET,
    scriptName: `${input.name}.js`,
    maxAllocBytes: MAX_MEMORY_BYTES,
    maxLogBytes: MAX_LOG_BYTES,
    maxOutputChars: MAX_MEMORY_BYTES,
    serviceUnits: SERVICE_CALL_UNITS,
    bytesPerUnit: BYTES_PER_UNIT,
    kvsAssociated: input.kvs !== undefined,
    kvsId: input.kvs?.id ?? '',
  };
  try {
    return new CompiledFunction(input.name, input.runtime, input.kvs, source, config);
  } catch (error) {
    // V8 refusing what acorn accepted: report it the same way.
    if (error instanceof SyntaxError || (error as Error)?.name === 'SyntaxError') {
      throw new FunctionCodeError('InvalidArgument', [
        { line: 1, column: 1, feature: 'syntax', message: `SyntaxError: ${(error as Error).message}` },
      ]);
    }
    throw error;
  }
}
