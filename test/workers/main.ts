/**
 * The workers tests' entry: the Worker as deployed with containers (worker/with-containers.ts
 * exports), with the Sandbox SDK's class replaced by the double the `SANDBOX` binding names here.
 */
export * from "../../worker/index.js";
export { default } from "../../worker/index.js";
export { SandboxDouble } from "./sandbox-double.js";
