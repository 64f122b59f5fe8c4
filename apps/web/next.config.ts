import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

// Next.js serves only the UI. The API (tRPC, REST), Socket.IO and the controllers live in the
// custom server (server/main.ts), so nothing server-side is bundled twice.
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ["@weir/config"],
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
};

export default config;
