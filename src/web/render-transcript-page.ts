/**
 * The transcript page: a session's whole story, server-rendered as one HTML document that is
 * complete without JavaScript. It carries the newest events only (a long session's older ones load
 * on demand over the socket), the session's parts (render-page-parts.ts) and one inline script
 * (transcript-client.ts) that keeps it live. Nothing is loaded from anywhere: the URL is a
 * capability, so the page must not leak it (referrer, third-party loads) and must not be indexed.
 */
import { escapeHtml as e } from "../core/escape-html.js";
import { formatCount } from "../core/format-count.js";
import { renderPageParts } from "./render-page-parts.js";
import { renderRuns } from "./render-runs.js";
import { TRANSCRIPT_CLIENT_JS } from "./transcript-client.js";
import { TRANSCRIPT_CSS } from "./transcript-css.js";
import type { TranscriptPageData } from "./transcript-facts.js";

/** Events the first response carries: more than a screen, a small share of a long session. */
export const FIRST_PAGE_EVENTS = 150;

export function renderTranscriptPage(data: TranscriptPageData, now: Date): string {
  const { view, facts } = data;
  const parts = renderPageParts(view, facts, now);
  const heads = new Map(parts.heads.map((h) => [h.run, h.html]));
  const runs = renderRuns(data.events, heads, data.results);
  const older =
    data.olderCursor === null
      ? ""
      : `<p class="older-wrap"><button id="older" type="button" data-cursor="${data.olderCursor}" hidden>Load ${formatCount(data.olderCount)} earlier ${data.olderCount === 1 ? "event" : "events"}</button><noscript>${formatCount(data.olderCount)} earlier ${data.olderCount === 1 ? "event is" : "events are"} in the <a href="${e(jsonLogUrl(view.transcriptUrl))}">log as JSON</a>.</noscript></p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
${parts.live ? '<noscript><meta http-equiv="refresh" content="10"></noscript>\n' : ""}<title>${e(parts.title)}</title>
<style>${TRANSCRIPT_CSS}</style>
</head>
<body data-last="${data.last}" data-live="${parts.live ? "1" : "0"}" data-status="${view.status}">
<div class="wrap">
<div id="conn" class="conn" role="status" hidden></div>
<header id="head">${parts.header}</header>
<div class="layout">
<main>
${older}${data.events.length === 0 && data.olderCursor === null ? '<p id="nothing" class="muted">Nothing has happened yet.</p>\n' : ""}<div id="runs">${runs}</div>
<div id="outcome">${parts.outcome}</div>
<div id="queue">${parts.queue}</div>
</main>
<aside id="details">${parts.details}</aside>
</div>
<footer id="end">Session <code>${e(view.id)}</code></footer>
</div>
<script>${TRANSCRIPT_CLIENT_JS}</script>
</body>
</html>
`;
}

/** The transcript's JSON (`/sessions/:id/events?token=…`), next to the page's own address. */
function jsonLogUrl(pageUrl: string): string {
  try {
    const u = new URL(pageUrl);
    if (u.protocol !== "https:" && u.protocol !== "http:") return "";
    u.pathname = `${u.pathname.replace(/\/+$/, "")}/events`;
    return u.toString();
  } catch {
    return "";
  }
}

/**
 * The page's Content-Security-Policy: its own style and script by hash and nothing else (no image,
 * font or frame from anywhere: markdown images are shown as links), the socket to its own origin.
 */
export async function transcriptCsp(socketOrigin?: string): Promise<string> {
  hashes ??= Promise.all([sha256Base64(TRANSCRIPT_CLIENT_JS), sha256Base64(TRANSCRIPT_CSS)]);
  const [script, style] = await hashes;
  // 'self' covers the page's own ws:/wss: origin in current browsers; older ones (Safari < 16)
  // need it named. Anything not a plain ws(s) origin is left out rather than trusted.
  const socket = socketOrigin && /^wss?:\/\/[a-z0-9.:[\]-]+$/i.test(socketOrigin) ? ` ${socketOrigin}` : "";
  return [
    "default-src 'none'",
    `script-src 'sha256-${script}'`,
    `style-src 'sha256-${style}'`,
    `connect-src 'self'${socket}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
let hashes: Promise<[string, string]> | undefined;

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let binary = "";
  for (const b of digest) binary += String.fromCharCode(b);
  return btoa(binary);
}
