/** node-http-proxy with a keep-alive agent: the classic Node reverse proxy. */
import { Agent, createServer } from "node:http";
import httpProxy from "http-proxy";

const [port, backend] = process.argv.slice(2).map(Number);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${backend}`, agent });
proxy.on("error", (_err, _req, res) => {
  if ("writeHead" in res && !res.headersSent) res.writeHead(502);
  res.end();
});
createServer((req, res) => proxy.web(req, res)).listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
