/** @fastify/http-proxy (undici underneath), logging off. */
import proxy from "@fastify/http-proxy";
import Fastify from "fastify";

const [port, backend] = process.argv.slice(2).map(Number);
const app = Fastify({ logger: false });
await app.register(proxy, { upstream: `http://127.0.0.1:${backend}` });
await app.listen({ port, host: "127.0.0.1" });
process.stdout.write("ready\n");
