import type { Logger } from '@switchyard/kit/log';

interface Stoppable {
  name: string;
  /** Stops gracefully (by pid) and waits. */
  stop: () => Promise<void>;
  /** Kills at once without waiting (a second Ctrl-C, or the bench crashing). */
  kill: () => void;
}

/**
 * Everything the bench started, stopped in reverse order by pid: at the end, when a comparison fails,
 * on Ctrl-C (a second one kills at once) and, as a last resort, when the process exits.
 */
export class Cleanup {
  readonly #items: Stoppable[] = [];
  #stopping: Promise<void> | undefined;

  /** Registers something started; the returned function stops it now and forgets it. */
  add(item: Stoppable): () => Promise<void> {
    this.#items.push(item);
    return async () => {
      const index = this.#items.indexOf(item);
      if (index < 0) return;
      this.#items.splice(index, 1);
      await item.stop();
    };
  }

  /** Stops everything still registered, newest first. */
  stopAll(log: Logger): Promise<void> {
    this.#stopping ??= (async () => {
      while (this.#items.length > 0) {
        const item = this.#items.pop()!;
        await item.stop().catch((err: unknown) => {
          log.warn({ err, item: item.name }, 'stopping failed; killing it');
          item.kill();
        });
      }
    })();
    return this.#stopping;
  }

  killAll(): void {
    for (const item of this.#items.splice(0).reverse()) item.kill();
  }

  /** Ctrl-C and SIGTERM stop everything and exit 130; a second signal kills at once. */
  trapSignals(log: Logger): void {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        this.killAll();
        process.exit(130);
      }
      log.warn({ signal }, 'interrupted: stopping everything the bench started');
      void this.stopAll(log).finally(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('exit', () => this.killAll());
  }
}
