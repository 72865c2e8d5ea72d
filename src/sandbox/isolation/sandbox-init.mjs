// @ts-check
/**
 * The first program inside a sandbox's bubblewrap: plain JavaScript run by the host's `node`, since
 * nothing else of the project is visible in there. Its network namespace has only loopback, so it
 * opens the one way out before it starts the agent:
 *
 *   - 127.0.0.1:<proxyPort> → the bridge's allowlisting proxy on the bound Unix socket, byte for byte
 *     (the agent's HTTP_PROXY / HTTPS_PROXY point here);
 *   - for every allowed loopback endpoint of the host (a model server on 127.0.0.1, [::1] or
 *     localhost in development), the same address and port inside, tunnelled with CONNECT, so a base
 *     URL like http://127.0.0.1:8788 or http://[::1]:8788 works unchanged whether or not the agent
 *     honours the proxy variables for loopback.
 *
 * Then it runs the command and exits as it did. SIGTERM reaches the agent from outside through the
 * process group; this init stays until the agent is gone, because its exit ends the namespace.
 *
 *   node sandbox-init.mjs '<{"socket":"…","proxyPort":3128,"forwards":[{"host":"127.0.0.1","port":8788}]}>' -- command args…
 */
import { spawn } from "node:child_process";
import { connect, createServer } from "node:net";
import { constants } from "node:os";

const [config, separator, command, ...args] = process.argv.slice(2);
if (!config || separator !== "--" || !command) {
  process.stderr.write("usage: sandbox-init.mjs <config json> -- command [args…]\n");
  process.exit(2);
}
/** @type {{ socket: string, proxyPort: number, forwards: { host: string, port: number }[] }} */
const { socket, proxyPort, forwards } = JSON.parse(config);

/** @param {import("node:net").Socket} client */
function pipeToProxy(client) {
  const upstream = connect(socket);
  client.pipe(upstream).on("error", () => client.destroy());
  upstream.pipe(client).on("error", () => upstream.destroy());
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
  client.on("close", () => upstream.destroy());
  upstream.on("close", () => client.destroy());
}

/**
 * @param {{ host: string, port: number }} target
 * @param {import("node:net").Socket} client
 */
function tunnel(target, client) {
  const authority = `${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}`;
  client.pause();
  const upstream = connect(socket);
  const fail = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", fail);
  upstream.on("error", fail);
  upstream.write(`CONNECT ${authority} HTTP/1.1\r\nhost: ${authority}\r\n\r\n`);
  let head = Buffer.alloc(0);
  /** @param {Buffer} chunk */
  const onData = (chunk) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) {
      if (head.length > 8192) fail();
      return;
    }
    upstream.off("data", onData);
    if (!/^HTTP\/1\.[01] 200 /.test(head.subarray(0, end).toString("latin1"))) return fail();
    const rest = head.subarray(end + 4);
    if (rest.length > 0) client.write(rest);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  };
  upstream.on("data", onData);
}

/**
 * @param {number} port
 * @param {string} address
 * @param {(client: import("node:net").Socket) => void} handle
 * @returns {Promise<void>}
 */
function listen(port, address, handle) {
  return new Promise((resolve, reject) => {
    const server = createServer({ noDelay: true }, handle);
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
}

/**
 * Where inside the agent expects an endpoint: at its own address; `localhost` at both, since
 * a client may resolve it to either (the IPv6 one only where the namespace has IPv6).
 * @param {string} host
 * @returns {{ address: string, required: boolean }[]}
 */
function addressesFor(host) {
  if (host === "::1") return [{ address: "::1", required: true }];
  if (host === "localhost")
    return [
      { address: "127.0.0.1", required: true },
      { address: "::1", required: false },
    ];
  return [{ address: "127.0.0.1", required: true }];
}

try {
  await listen(proxyPort, "127.0.0.1", pipeToProxy);
  for (const target of forwards)
    for (const { address, required } of addressesFor(target.host))
      await listen(target.port, address, (client) => tunnel(target, client)).catch((error) => {
        if (required) throw error;
      });
} catch (error) {
  process.stderr.write(`sandbox-init: could not open the network forwarders: ${String(error)}\n`);
  process.exit(125);
}

const child = spawn(command, args, { stdio: "inherit" });
for (const signal of /** @type {const} */ (["SIGTERM", "SIGINT", "SIGHUP"])) {
  process.on(signal, () => child.kill(signal));
}
child.on("error", (error) => {
  process.stderr.write(`sandbox-init: could not start ${command}: ${error.message}\n`);
  process.exit(127);
});
child.on("exit", (code, signal) => {
  // A shell's convention: 128 + the signal's number when the command was killed.
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
});
