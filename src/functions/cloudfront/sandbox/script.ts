/**
 * Host side of the sandbox: one V8 context per compiled function (node:vm), with code generation
 * from strings off (so `eval` and `Function` throw), the runtime (`bridge.ts` and the files it
 * takes) evaluated first, then the user's instrumented script. Only primitives and context-made
 * functions cross: the context's global is backed by a null-prototype object, so a global lookup
 * can never fall through to a host prototype (`this.constructor.constructor` is the context's
 * `Function`, which refuses to compile).
 */
import vm from 'node:vm';
import {
  type Bridge,
  createBridge,
  type HostCall,
  type SandboxConfig,
  type ScriptFactory,
} from './bridge.js';
import { createBufferModule } from './buffer.js';
import { createBytes } from './bytes.js';
import { createEventCodec } from './event.js';
import { setupGlobals } from './globals.js';
import { createModules } from './modules.js';
import { capturePrimordials } from './primordials.js';

const RUNTIME_SOURCE = `(function (hostCall, configJson) {
  "use strict";
  return (${createBridge})(hostCall, configJson, {
    capturePrimordials: ${capturePrimordials},
    createBytes: ${createBytes},
    createEventCodec: ${createEventCodec},
    createBufferModule: ${createBufferModule},
    createModules: ${createModules},
    setupGlobals: ${setupGlobals},
  });
})`;
let runtimeScript: vm.Script | undefined;

export interface Sandbox {
  run: (...args: unknown[]) => string;
  abort: (message: string) => string;
}

/** Creates the context and loads `source` (instrument.ts's wrapper). Throws the V8 SyntaxError if any. */
export function createSandbox(config: SandboxConfig, hostCall: HostCall, source: string): Sandbox {
  runtimeScript ??= new vm.Script(RUNTIME_SOURCE, { filename: 'edgefront:cloudfront-functions-runtime' });
  const context = vm.createContext(Object.create(null), {
    name: `cloudfront-function:${config.scriptName}`,
    codeGeneration: { strings: false, wasm: false },
  });
  const boot = runtimeScript.runInContext(context) as (h: HostCall, c: string) => Bridge;
  const bridge = boot(hostCall, JSON.stringify(config));
  // Read once, before user code exists: later the bridge object is the context's to tamper with.
  const { run, abort, install } = bridge;
  const factory = new vm.Script(source, { filename: config.scriptName }).runInContext(
    context,
  ) as ScriptFactory;
  install(factory);
  return { run, abort };
}

let guarded = false;
/**
 * A promise rejected inside a sandbox with no handler must not take the process down (Node's
 * default for unhandled rejections). One listener, installed with the first function: rejections
 * of promises from other realms are dropped, the host's own keep Node's default when no other
 * listener exists.
 */
export function guardUnhandledRejections(): void {
  if (guarded) return;
  guarded = true;
  process.on('unhandledRejection', (reason, promise) => {
    if (!(promise instanceof Promise)) return; // made in a function's context
    if (process.listenerCount('unhandledRejection') === 1) throw reason;
  });
}
