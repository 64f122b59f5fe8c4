/** The demo world of the e2e run (see world.mjs), on ports of its own so it can run beside `npm start`. */
export const E2E_WORLD = {
  demoListenerPort: 18080,
  demoBackends: "127.0.0.1:19301,127.0.0.1:19302,127.0.0.1:19303",
  agentAdmin: "127.0.0.1:19911",
};
