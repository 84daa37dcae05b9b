import amqp from 'amqplib';

/** A required setting of a driver, from its environment. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The one line the bench reads back from a driver (BenchEnv.runDriver): `{"result": …}`. */
export function printResult(result: Record<string, number>): void {
  process.stdout.write(`${JSON.stringify({ result })}\n`);
}

/** Removes what a driver declared on the broker it shares with the system: the queue and its retry and parking queues, the exchange and its unrouted twin. */
export async function deleteTopology(url: string, queue: string, exchange: string): Promise<void> {
  const model = await amqp.connect(url);
  try {
    const channel = await model.createChannel();
    for (const name of [queue, `${queue}.retry.1`, `${queue}.dead-letter`, `${exchange}.unrouted`]) await channel.deleteQueue(name);
    for (const name of [exchange, `${exchange}.unrouted`]) await channel.deleteExchange(name);
  } finally {
    await model.close();
  }
}

/** Whether `promise` settled within `ms` (its timer cleared either way, so it never holds the process open). */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
