/**
 * The transcript page's one script, inline and allowed by its hash (the page's Content-Security-
 * Policy allows no other script). No framework, nothing loaded from anywhere. It subscribes to the
 * session's socket in the `html` format (src/core/subscriber-protocol.ts), puts each rendered
 * fragment where the server's page would have it (render-runs.ts has the same rules), swaps the
 * session's parts when they change, and after a drop reconnects with backoff and resumes from the
 * last event id it has, so nothing is missed and nothing doubled. It never turns event text into
 * markup: every fragment arrives rendered and escaped by the server.
 *
 * Plain ES2020 in a string: the Worker's bundler must not rewrite it, and its hash must be stable.
 */
export const TRANSCRIPT_CLIENT_JS = `(() => {
"use strict";
const body = document.body;
const $ = (id) => document.getElementById(id);
const runsEl = $("runs");
const conn = $("conn");
let last = Number(body.dataset.last || "0");
let ws = null;
let attempts = 0;
let retryTimer = 0;
let pinger = 0;
const heads = new Map();

const socketUrl = () => {
  const u = new URL(location.href);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.pathname = u.pathname.replace(/\\/+$/, "") + "/socket";
  u.hash = "";
  return u.toString();
};
const setConn = (state, text) => {
  conn.hidden = false;
  conn.className = "conn " + state;
  conn.textContent = text;
  body.dataset.conn = state;
};
const el = (html) => {
  const t = document.createElement("template");
  t.innerHTML = html;
  return t.content.firstElementChild;
};
const send = (msg) => {
  if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg));
};

function logOf(run) {
  let s = $("run-" + run);
  if (!s) {
    s = el('<section class="run"><h2 class="run-head"></h2><ol class="log"></ol></section>');
    s.id = "run-" + run;
    s.dataset.run = String(run);
    s.querySelector(".run-head").innerHTML = heads.get(run) || "Run " + run;
    const next = Array.from(runsEl.children).find((x) => Number(x.dataset.run) > run);
    runsEl.insertBefore(s, next || null);
    const none = $("nothing");
    if (none) none.remove();
  }
  return s.querySelector("ol.log");
}
const findCall = (id) => document.querySelector('li.tool[data-call="' + CSS.escape(id) + '"]');
function relabel(group) {
  const n = group.querySelector("ol.calls").children.length;
  group.classList.toggle("many", n > 1);
  group.querySelector(".gtext").textContent =
    group.dataset.verb + " " + n.toLocaleString("en-US") + " " + (n === 1 ? group.dataset.one : group.dataset.many);
}

function apply(f) {
  if (f.id <= last) return;
  const log = logOf(f.run);
  if (f.op === "item") {
    log.appendChild(el(f.html));
  } else if (f.op === "call") {
    const li = el(f.html);
    const old = findCall(f.callId);
    if (old) {
      if (old.dataset.result) {
        li.querySelector(".result").innerHTML = old.querySelector(".result").innerHTML;
        li.className = old.className;
        li.dataset.result = old.dataset.result;
      }
      if (old.querySelector("details").open) li.querySelector("details").open = true;
      old.replaceWith(li);
    } else {
      let group = log.lastElementChild;
      if (!group || !group.classList.contains("group") || group.dataset.kind !== f.kind) {
        group = el(f.alt);
        log.appendChild(group);
      }
      group.querySelector("ol.calls").appendChild(li);
      relabel(group);
    }
  } else {
    const li = findCall(f.callId);
    if (li) {
      li.querySelector(".result").innerHTML = f.html;
      li.className = "tool st-" + f.state;
      li.dataset.result = String(f.id);
    } else log.appendChild(el(f.alt));
  }
}

function setParts(p) {
  $("head").innerHTML = p.header;
  $("details").innerHTML = p.details;
  $("outcome").innerHTML = p.outcome;
  $("queue").innerHTML = p.queue;
  document.title = p.title;
  body.dataset.live = p.live ? "1" : "0";
  body.dataset.status = p.status;
  for (const h of p.heads) {
    heads.set(h.run, h.html);
    const s = $("run-" + h.run);
    if (s) s.querySelector(".run-head").innerHTML = h.html;
  }
  tick();
}

function prepend(m) {
  const t = document.createElement("template");
  t.innerHTML = m.html;
  // Rows the page already has win: a call emitted again later is shown once, as it was last sent,
  // and a result shown on its own (its call was not on the page) goes into the call now loaded.
  for (const row of Array.from(t.content.querySelectorAll("li.tool[data-call]"))) {
    const newer = findCall(row.dataset.call);
    if (newer) {
      const group = row.closest("li.group");
      row.remove();
      if (group && !group.querySelector("li.tool")) group.remove();
      else if (group) relabel(group);
    } else if (row.dataset.result) {
      const alone = runsEl.querySelector('li.ev-tool_result[data-id="' + CSS.escape(row.dataset.result) + '"]');
      if (alone) alone.remove();
    }
  }
  for (const s of Array.from(t.content.children).reverse()) {
    const first = runsEl.firstElementChild;
    if (first && first.dataset.run === s.dataset.run) {
      const log = first.querySelector("ol.log");
      const rows = Array.from(s.querySelector("ol.log").children);
      const tail = rows[rows.length - 1];
      const head = log.firstElementChild;
      // Calls of one kind on both sides of the page boundary are one group.
      if (tail && head && tail.classList.contains("group") && head.classList.contains("group") && tail.dataset.kind === head.dataset.kind) {
        const calls = tail.querySelector("ol.calls");
        for (const call of Array.from(head.querySelector("ol.calls").children)) calls.appendChild(call);
        head.remove();
        relabel(tail);
      }
      for (const row of rows.reverse()) log.insertBefore(row, log.firstChild);
    } else runsEl.insertBefore(s, first);
  }
  const older = $("older");
  if (!older) return;
  if (m.hasMore && m.cursor !== null) {
    older.dataset.cursor = String(m.cursor);
    older.textContent = "Load " + m.remaining.toLocaleString("en-US") + " earlier " + (m.remaining === 1 ? "event" : "events");
    older.disabled = false;
  } else older.remove();
}

function onMessage(event) {
  let m;
  try {
    m = JSON.parse(event.data);
  } catch {
    return;
  }
  if (m.type === "page") {
    setParts(m.parts);
    m.fragments.forEach(apply);
    last = Math.max(last, m.last);
    const older = $("older");
    if (older && older.disabled) {
      older.disabled = false;
      older.textContent = "Load earlier events";
    }
    if (m.caughtUp) {
      attempts = 0;
      setConn("connected", "Live");
    } else send({ type: "subscribe", after: last, format: "html" });
  } else if (m.type === "fragments") {
    m.fragments.forEach(apply);
    last = Math.max(last, m.last);
  } else if (m.type === "parts") setParts(m.parts);
  else if (m.type === "older") prepend(m);
  body.dataset.last = String(last);
}

function connect() {
  clearTimeout(retryTimer);
  let socket;
  try {
    socket = new WebSocket(socketUrl());
  } catch {
    retry();
    return;
  }
  ws = socket;
  socket.onopen = () => {
    send({ type: "subscribe", after: last, format: "html" });
    clearInterval(pinger);
    pinger = setInterval(() => send({ type: "ping" }), 25000);
  };
  socket.onmessage = onMessage;
  socket.onclose = () => {
    if (ws !== socket) return;
    ws = null;
    clearInterval(pinger);
    retry();
  };
  socket.onerror = () => socket.close();
}

function retry() {
  attempts++;
  const offline = navigator.onLine === false || attempts > 6;
  setConn(offline ? "offline" : "reconnecting", offline ? "Offline, retrying" : "Reconnecting…");
  const wait = Math.min(30000, 250 * 2 ** Math.min(attempts, 7)) * (0.75 + Math.random() / 2);
  retryTimer = setTimeout(connect, wait);
}

function fmt(ms) {
  const total = ms > 0 ? Math.floor(ms / 1000) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const p = (n) => String(n).padStart(2, "0");
  return h > 0 ? h + "h " + p(m) + "m" : m > 0 ? m + "m " + p(s) + "s" : s + "s";
}
function tick() {
  for (const t of document.querySelectorAll("[data-since]")) {
    const since = Date.parse(t.dataset.since);
    if (!Number.isNaN(since)) t.textContent = fmt(Date.now() - since);
  }
}

const older = $("older");
if (older) {
  older.hidden = false;
  older.addEventListener("click", () => {
    if (!ws || ws.readyState !== 1) return;
    older.disabled = true;
    older.textContent = "Loading…";
    send({ type: "fetch_history", cursor: Number(older.dataset.cursor) });
  });
}
window.addEventListener("online", () => {
  if (!ws) {
    attempts = 0;
    connect();
  }
});
setInterval(tick, 1000);
connect();
})();
`;
