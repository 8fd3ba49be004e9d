/**
 * TestFunction's `TestResult` body fields for one run (reference §7.1), minus `FunctionSummary`,
 * which the control API adds: what `edgefront functions test --json` prints.
 */
import type { FunctionRunResult } from './types.js';

export interface FunctionTestResult {
  ComputeUtilization: string;
  FunctionExecutionLogs: string[];
  FunctionErrorMessage: string;
  FunctionOutput: string;
}

export function toTestResult(result: FunctionRunResult): FunctionTestResult {
  return {
    ComputeUtilization: String(result.computeUtilization),
    FunctionExecutionLogs: result.logs,
    FunctionErrorMessage: result.error?.message ?? '',
    FunctionOutput: result.functionOutput,
  };
}
