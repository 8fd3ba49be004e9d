/**
 * The edge functions a loaded config runs: its CloudFront Functions compiled once per model
 * (LIVE stage, each with its associated KeyValueStore), and the Lambda@Edge runtime, shared by
 * every model of an edge's lifetime so warm workers survive reloads (a changed version gets
 * fresh ones: src/functions/lambda/runtime.ts).
 */
import { readFileSync } from 'node:fs';
import { ConfigError, EdgeError } from '../errors.js';
import type { EdgeModel, FunctionModel, LambdaFunctionModel } from '../model/types.js';
import {
  type CompiledFunction,
  compileFunction,
  FunctionCodeError,
  KeyValueStore,
} from './cloudfront/index.js';
import { createLambdaRuntime, type LambdaRuntime } from './lambda/index.js';

export interface EdgeFunctions {
  /** The compiled function an association names (by resolved ARN). */
  cloudFront(arn: string): CompiledFunction | undefined;
  lambdaFunction(arn: string): LambdaFunctionModel | undefined;
  /** Started on first use, so configs without Lambda@Edge never start a worker. */
  lambda(): LambdaRuntime;
  /** The live store functions read, by ARN: the KVS data-plane API replaces its data in place. */
  keyValueStore(arn: string): KeyValueStore | undefined;
}

/** Owns the Lambda runtime across reloads; `forModel` compiles one config's functions. */
export class EdgeFunctionHost {
  #lambda: LambdaRuntime | undefined;
  #closed = false;

  forModel(model: EdgeModel): EdgeFunctions {
    // A reload (serve --watch, edge.reload()) may come from changed handler files whose model
    // fields are the same: later invocations start fresh instances, running ones finish.
    if (this.#lambda) {
      for (const fn of model.lambdaFunctions.values()) this.#lambda.reload(fn);
      // Versions the new config no longer names end their instances.
      for (const { Arn } of this.#lambda.stats())
        if (!model.lambdaFunctions.has(Arn)) this.#lambda.unload(Arn);
    }
    const compiled = new Map<string, CompiledFunction>();
    const stores = new Map<string, KeyValueStore>();
    for (const [arn, fn] of model.functions) compiled.set(arn, compile(fn, model, stores));
    return {
      cloudFront: (arn) => compiled.get(arn),
      lambdaFunction: (arn) => model.lambdaFunctions.get(arn),
      keyValueStore: (arn) => stores.get(arn),
      lambda: () => {
        if (this.#closed) throw new EdgeError('LambdaExecutionError', 'the edge is closing');
        this.#lambda ??= createLambdaRuntime();
        return this.#lambda;
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#lambda?.close();
    this.#lambda = undefined;
  }
}

function compile(fn: FunctionModel, model: EdgeModel, stores: Map<string, KeyValueStore>): CompiledFunction {
  const kvsArn = fn.KeyValueStoreARNs[0];
  let kvs: KeyValueStore | undefined;
  if (kvsArn !== undefined) {
    kvs = stores.get(kvsArn);
    if (kvs === undefined) {
      const store = model.keyValueStores.get(kvsArn);
      const data = store?.dataFile ? readFileSync(store.dataFile, 'utf8') : '{"data":[]}';
      kvs = KeyValueStore.fromImport(data, store?.Id);
      stores.set(kvsArn, kvs);
    }
  }
  try {
    return compileFunction({ name: fn.Name, runtime: fn.Runtime, code: fn.Code, kvs });
  } catch (err) {
    // `edgefront validate` reports these with line and feature; this is the backstop for models
    // built without it.
    if (err instanceof FunctionCodeError)
      throw new ConfigError([
        {
          file: fn.codeFile ?? '(inline FunctionCode)',
          path: ['Functions', fn.Name, 'Code'],
          message: `CloudFront would refuse this code: ${err.message}`,
          fix: 'run `edgefront validate` for every problem with its line',
        },
      ]);
    throw err;
  }
}
