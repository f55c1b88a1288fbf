// The ceiling for `npm run bench`: bare Fastify answering a JSON POST with its body, on the same
// machine and the same load, so the decision figures can be read as a share of what HTTP alone costs.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 3999);
const app = Fastify({ logger: false });
app.post('/echo', async (request) => request.body);
app.listen({ port, host: '127.0.0.1' }).catch((error: unknown) => {
  process.stderr.write(`echo server: ${String(error)}\n`);
  process.exit(1);
});
