// Bundles one app entry point into a single ESM file: workspace packages (@weir/*, which ship
// TypeScript source) are compiled in, every other package stays an import from node_modules.
//   node ../../scripts/bundle.mjs <entry.ts> <out.mjs> [--shebang] [--standalone]
// --standalone compiles every dependency in, for a file that runs without node_modules.
import { build } from "esbuild";

const [entry, outfile, ...flags] = process.argv.slice(2);
if (!entry || !outfile) {
  process.stderr.write("usage: bundle.mjs <entry.ts> <out.mjs> [--shebang] [--standalone]\n");
  process.exit(2);
}
const workspacePackage = /^@weir\//;
const requireShim =
  "import { createRequire as __weirCreateRequire } from 'node:module'; const require = __weirCreateRequire(import.meta.url);";

await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  // ESM output still meets CommonJS-only code in dependencies' dynamic requires.
  banner: { js: `${flags.includes("--shebang") ? "#!/usr/bin/env node\n" : ""}${requireShim}` },
  plugins: flags.includes("--standalone")
    ? []
    : [
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
