import { existsSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';
export const nginxAvailable = (): boolean => existsSync(NGINX);

/**
 * Debian's nginx as the reference reverse proxy, configured like the gateway where it matters for a
 * fair comparison: one worker process (the gateway is one Node.js process), keep-alive connections to
 * the upstream, `/api/…` mapped to the service's `/…`, and the gateway's access-log policy: one JSON line
 * per request with method, path, status and duration, written as each request finishes.
 */
export function nginxConfig(dir: string, port: number, upstream: string): string {
  return `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  log_format gateway escape=json '{"time":"$time_iso8601","method":"$request_method","path":"$uri","status":$status,"durationMs":$request_time}';
  access_log ${dir}/access.log gateway;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_timeout 65s;
  keepalive_requests 100000;
  upstream service {
    server ${upstream};
    keepalive 128;
    keepalive_requests 100000;
  }
  server {
    listen 127.0.0.1:${port};
    location /api/ {
      proxy_pass http://service/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`;
}

/** Writes a config for nginx in a fresh directory; returns the nginx command line to run it. */
export async function prepareNginx(port: number, upstream: string): Promise<{ dir: string; args: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-nginx-'));
  // Started as root, nginx's workers run as nobody: they must be able to reach their temp folders.
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'nginx.conf'), nginxConfig(dir, port, upstream));
  return { dir, args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')] };
}
