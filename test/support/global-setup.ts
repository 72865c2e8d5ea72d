/**
 * Runs once before the Node suites: every sandbox host the tests start isolates its agents with
 * bubblewrap (as a real one does), so it must be installed; this installs it when it is not.
 */
import { ensureBubblewrap } from "./ensure-bubblewrap.js";

export default function setup(): void {
  ensureBubblewrap();
}
