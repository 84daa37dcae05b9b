import { trace } from '@opentelemetry/api';

interface Flushable {
  forceFlush(): Promise<void>;
}

/**
 * Sends the spans still waiting in the batch processor, within timeoutMs: a process that exits right
 * after its shutdown would otherwise lose the last seconds of its trace (the drain, the final calls).
 * Does nothing when tracing is off.
 */
export async function flushTraces(timeoutMs: number): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = (provider.getDelegate?.() ?? provider) as Partial<Flushable>;
  if (typeof delegate.forceFlush !== 'function') return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    delegate.forceFlush().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
