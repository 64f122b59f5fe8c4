// Bundles one app entry point into a single ESM file: workspace packages (@weir/*, which ship
// TypeScript source) are compiled in, every other package stays an import from node_modules.
//   node ../../scripts/bundle.mjs <entry.ts> <out.mjs> [--shebang] [--standalone]
// --standalone compiles every dependency in, for a file that runs without node_modules.
import { createRequire } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";

const [entry, outfile, ...flags] = process.argv.slice(2);
if (!entry || !outfile) {
  process.stderr.write("usage: bundle.mjs <entry.ts> <out.mjs> [--shebang] [--standalone]\n");
  process.exit(2);
}
const workspacePackage = /^@weir\//;
// External packages must resolve from the app's own folder, where the bundle runs; a package only
// a workspace library depends on may sit in that library's node_modules, out of the app's reach.
const appRequire = createRequire(join(process.cwd(), "package.json"));
const packageName = (path) => (path.startsWith("@") ? path.split("/").slice(0, 2).join("/") : path.split("/")[0]);
const unreachable = new Set();
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
            pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
              if (workspacePackage.test(args.path)) return undefined;
              if (!args.path.startsWith("node:")) {
                const name = packageName(args.path);
                try {
                  appRequire.resolve(`${name}/package.json`);
                } catch {
                  try {
                    appRequire.resolve(name);
                  } catch {
                    unreachable.add(name);
                  }
                }
              }
              return { path: args.path, external: true };
            });
            pluginBuild.onEnd(() => {
              if (unreachable.size > 0)
                throw new Error(
                  `the bundle imports ${[...unreachable].join(", ")}, which ${process.cwd()} cannot resolve: add ${unreachable.size > 1 ? "them" : "it"} to its package.json dependencies`,
                );
            });
          },
        },
      ],
});
