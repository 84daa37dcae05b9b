// Runs inside the cluster (kubectl run, orders image and service account): a gRPC client in k8s mode
// calls payments.Refund for unknown orders (each answer is FAILED_PRECONDITION nothing_to_refund, proof
// that a payments pod served it) N times, while the workflow deletes one payments pod. Every call must be
// answered; the workflow then counts per-pod calls in the payments logs.
import { GrpcClient } from '@switchyard/kit/grpc-client';
import { SERVICE_NAMES, paymentsV1 } from '@switchyard/contracts/grpc-contracts';
import { randomUUID } from 'node:crypto';

const target = process.env.TARGET;
const calls = Number(process.env.CALLS ?? 400);
const client = new GrpcClient(paymentsV1().Payments, { dependency: 'payments', serviceName: SERVICE_NAMES.payments, target, deadlineMs: 3000, maxAttempts: 4 });
let failed = 0;
for (let i = 0; i < calls; i++) {
  try {
    await client.call('Refund', { orderId: randomUUID() }, { requestId: `k8s-probe-${i}` });
  } catch (err) {
    if (err.code !== 'nothing_to_refund') {
      failed += 1;
      console.error(`call ${i}: ${err.code} ${err.message}`);
    }
  }
  await new Promise((r) => setTimeout(r, 50));
}
client.close();
console.log(`${calls} calls, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
