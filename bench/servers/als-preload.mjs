// Preloaded (--import) into an untraced service by bench/tools/tracing-cpu.ts (mode "als"): one
// AsyncLocalStorage entered at start, so Node 20 runs its promise hooks for every promise, as it does
// once the OpenTelemetry SDK's context manager is in use; nothing else of the SDK.
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage();
storage.enterWith({ preloaded: true });
globalThis.__benchAsyncLocalStorage = storage;
