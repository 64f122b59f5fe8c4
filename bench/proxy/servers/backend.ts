/** The benchmark's backend: one Node process answering 12 bytes on every path, keep-alive. */
import { createServer } from "node:http";

const port = Number(process.argv[2]);
const body = Buffer.from("hello world\n");
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, ["content-type", "text/plain", "content-length", "12"]);
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
