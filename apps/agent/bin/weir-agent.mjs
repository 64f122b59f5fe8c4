#!/usr/bin/env node
// Runs the agent from its TypeScript source (the workspace exports source, not builds).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
