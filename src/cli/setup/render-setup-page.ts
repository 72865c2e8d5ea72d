import type { AppManifest } from "./app-manifest.js";

/**
 * The local page that starts the registration: a form posting the manifest to GitHub's "New GitHub
 * App" page (`action`, with the state). GitHub shows the App's settings for review, creates it, and
 * redirects to the manifest's redirect_url with a code.
 */
export function renderManifestPage(opts: { action: string; manifest: AppManifest; owner: string }): string {
  const { manifest } = opts;
  const events = manifest.default_events.join(", ") || "none";
  const permissions = Object.entries(manifest.default_permissions)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ");
  return page(
    "Register the GitHub App",
    `<p>This creates a private GitHub App named <b>${escapeHtml(manifest.name)}</b> owned by ${escapeHtml(opts.owner)},
with the permissions and events of <code>app.yml</code>. GitHub shows every setting before it creates anything
(if the name is taken, change it there).</p>
<ul>
<li>Permissions: ${escapeHtml(permissions)}</li>
<li>Events: ${escapeHtml(events)}</li>
<li>Webhook URL: <code>${escapeHtml(manifest.hook_attributes.url)}</code></li>
</ul>
<form action="${escapeHtml(opts.action)}" method="post">
<input type="hidden" name="manifest" value="${escapeHtml(JSON.stringify(manifest))}">
<button type="submit">Create the GitHub App</button>
</form>`,
  );
}

/** A page with a heading and paragraphs of text (escaped); `links` are shown as links. */
export function renderMessagePage(opts: {
  title: string;
  lines: string[];
  links?: Array<{ href: string; text: string }>;
}): string {
  const body = [
    ...opts.lines.map((l) => `<p>${escapeHtml(l)}</p>`),
    ...(opts.links ?? []).map((l) => `<p><a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a></p>`),
  ].join("\n");
  return page(opts.title, body);
}

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)} · Understudy setup</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}
button{font-size:1rem;padding:.6rem 1.2rem}code{font-size:.9em}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
  );
}
