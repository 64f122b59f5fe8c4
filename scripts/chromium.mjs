// The browser for the end-to-end tests. Playwright cannot download its own browsers on offline
// machines, so the tests drive Debian's chromium (or WEIR_CHROMIUM, any Chromium binary).
import { existsSync } from "node:fs";
import { run, say } from "./lib.mjs";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function ensureChromium() {
  if (process.env.WEIR_CHROMIUM) {
    if (existsSync(process.env.WEIR_CHROMIUM)) return process.env.WEIR_CHROMIUM;
    fail(`WEIR_CHROMIUM=${process.env.WEIR_CHROMIUM} does not exist.`);
  }
  const found = CANDIDATES.find((path) => existsSync(path));
  if (found) return found;
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    say("Installing Debian's chromium for the browser tests (apt-get)");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    run("apt-get", ["update", "-qq"], { env });
    run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { env });
    if (existsSync("/usr/bin/chromium")) return "/usr/bin/chromium";
  }
  fail(
    "The end-to-end tests need Chromium. Install it with `sudo apt-get install chromium` (Debian/Ubuntu),\n" +
      "or point WEIR_CHROMIUM at a Chromium or Chrome binary.",
  );
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
