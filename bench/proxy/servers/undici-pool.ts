/** The baseline: a bare undici Pool proxy (what "a wrapper around a library" gives). */
import { createServer } from "node:http";
import { Pool } from "undici";

const [port, backend] = process.argv.slice(2).map(Number);
const pool = new Pool(`http://127.0.0.1:${backend}`, { connections: 128 });
createServer(async (req, res) => {
  try {
    const upstream = await pool.request({
      method: req.method as "GET",
      path: req.url ?? "/",
      headers: req.headers as Record<string, string>,
    });
    res.writeHead(upstream.statusCode, upstream.headers as Record<string, string>);
    for await (const chunk of upstream.body) res.write(chunk);
    res.end();
  } catch {
    res.writeHead(502);
    res.end();
  }
}).listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
