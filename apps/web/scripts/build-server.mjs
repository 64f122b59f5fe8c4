// Bundles the custom server (server/main.ts) and the workspace packages it imports into
// dist/server.mjs. Workspace packages ship TypeScript source, so they are compiled in; every
// other package stays an import from node_modules.
import { build } from "esbuild";

const workspacePackage = /^@weir\//;

await build({
  entryPoints: ["server/main.ts"],
  outfile: "dist/server.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  // ESM output still meets CommonJS-only code in dependencies' dynamic requires.
  banner: {
    js: "import { createRequire as __weirCreateRequire } from 'node:module'; const require = __weirCreateRequire(import.meta.url);",
  },
  plugins: [
    {
      name: "externalise-node-modules",
      setup(pluginBuild) {
        pluginBuild.onResolve({ filter: /^[^./]/ }, (args) =>
          workspacePackage.test(args.path) ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
