import { z } from 'zod';

/**
 * Where the replicas of one service answer on their admin port:
 * - `static`: a fixed list of base URLs (`npm start`: `http://127.0.0.1:10082,http://127.0.0.1:10182`);
 * - `dns`: every address a name resolves to, looked up again at each poll (`dns://switchyard-catalog-admin:9091`,
 *   a headless Service that also publishes pods that are not ready);
 * - `k8s`: the pods of a Service port from its EndpointSlices (`k8s://switchyard-catalog-admin.shop:admin`).
 */
export type ReplicaSource = { kind: 'static'; urls: string[] } | { kind: 'dns'; host: string; port: number } | { kind: 'k8s'; target: string };

export interface SystemTarget {
  service: string;
  source: ReplicaSource;
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const DNS = /^dns:\/\/([A-Za-z0-9.-]+):(\d{1,5})$/;
const K8S = /^k8s:\/\/([a-z0-9-]+\.[a-z0-9-]+:[a-z0-9-]+)$/;
const FORMAT = 'must be <service>=<admin URLs>[;<service>=…], each service with http(s) URLs (comma-separated), one dns://host:port or one k8s://service.namespace:port-name';

function source(text: string): ReplicaSource | string {
  const dns = DNS.exec(text);
  if (dns) {
    const port = Number(dns[2]);
    return port >= 1 && port <= 65535 ? { kind: 'dns', host: dns[1]!, port } : `${text}: the port must be 1-65535`;
  }
  const k8s = K8S.exec(text);
  if (k8s) return { kind: 'k8s', target: k8s[1]! };
  const urls = text.split(',').map((part) => part.trim());
  for (const url of urls) {
    const parsed = z.url({ protocol: /^https?$/ }).safeParse(url);
    if (!parsed.success) return `${url || '(empty)'} is not an http(s) URL, dns://host:port or k8s://service.namespace:port-name`;
  }
  return { kind: 'static', urls: urls.map((url) => new URL(url).origin) };
}

/**
 * SYSTEM_TARGETS: the admin endpoints the system view polls, service by service, in the order the view
 * shows them: `users=http://127.0.0.1:10081;catalog=http://127.0.0.1:10082,http://127.0.0.1:10182`.
 */
export const systemTargets = () =>
  z.string().transform((text, ctx): SystemTarget[] => {
    const targets: SystemTarget[] = [];
    let bad = false;
    const problem = (message: string) => {
      bad = true;
      ctx.addIssue({ code: 'custom', message });
    };
    for (const entry of text.split(';').map((part) => part.trim()).filter(Boolean)) {
      const match = /^([^=]+)=(.+)$/.exec(entry);
      const service = match?.[1]!.trim() ?? '';
      if (!match || !NAME.test(service)) {
        problem(`"${entry}" ${FORMAT}`);
        continue;
      }
      if (targets.some((t) => t.service === service)) {
        problem(`names ${service} twice`);
        continue;
      }
      const parsed = source(match[2]!.trim());
      if (typeof parsed === 'string') problem(`${service}: ${parsed}`);
      else targets.push({ service, source: parsed });
    }
    if (targets.length === 0 && !bad) problem(FORMAT);
    return targets;
  });
