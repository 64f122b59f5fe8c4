// `npm start`: everything needed to see Weir running, from a fresh clone. Installs what is missing,
// builds, then runs the control plane, which starts its embedded Postgres (unless DATABASE_URL is
// set), migrates, seeds the first admin and the demo, and serves http://localhost:3000.
import { build, buildEnv, ensureDependencies, supervise } from "./lib.mjs";

ensureDependencies();
build();
const code = await supervise("node", ["--enable-source-maps", "apps/web/dist/server.mjs"], {
  env: { ...buildEnv(), NODE_ENV: "production" },
});
process.exit(code);
