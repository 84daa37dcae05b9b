/**
 * The ceiling for one Koa process on this machine: Koa answering `hello` with nothing else, on the
 * same Node.js as the services. Listens on 127.0.0.1:$PORT and prints `listening` when it does.
 */
import { createServer } from 'node:http';
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.body = 'hello';
});
const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
