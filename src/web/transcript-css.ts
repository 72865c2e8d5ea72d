/**
 * The transcript page's whole stylesheet, inline: the page loads nothing from anywhere (its URL is a
 * capability), and follows the reader's light or dark preference.
 */
export const TRANSCRIPT_CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--code:#f6f8fa;--link:#0969da;--ok:#1a7f37;--bad:#d1242f;--warn:#9a6700;--del:#ffebe9;--ins:#dafbe1}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--code:#151b23;--link:#4493f8;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--del:#3c1618;--ins:#12261e}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;-webkit-text-size-adjust:100%}
.wrap{max-width:54rem;margin:0 auto;padding:1.25rem 1rem 3rem}
a{color:var(--link)}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,monospace}
:not(pre)>code{background:var(--code);padding:.1em .3em;border-radius:4px}
pre{background:var(--code);border:1px solid var(--line);border-radius:6px;padding:.55rem .75rem;margin:.35rem 0;white-space:pre-wrap;overflow-wrap:anywhere;max-height:40rem;overflow:auto}
header{border-bottom:1px solid var(--line);padding-bottom:.75rem;margin-bottom:1rem}
h1{font-size:1.4rem;line-height:1.3;margin:.2rem 0 .5rem}
.crumbs,.meta,nav,footer,.muted,time{color:var(--muted);font-size:.875rem}
.meta{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:center;margin:.25rem 0}
.badge{display:inline-block;border-radius:2em;padding:.1em .7em;font-weight:600;color:#fff;background:var(--warn)}
.badge.st-running{background:var(--link)}
.badge.st-completed{background:var(--ok)}.badge.st-failed{background:var(--bad)}.badge.st-cancelled{background:var(--muted)}
.log{list-style:none;margin:0;padding:0}
.ev{position:relative;padding:.35rem 0 .35rem 4.6rem;border-top:1px solid transparent}
.ev>time{position:absolute;left:0;top:.45rem;font-variant-numeric:tabular-nums}
.ev-user_message,.ev-assistant_text{border-top-color:var(--line);padding-top:.6rem}
.who,.tool,.label{font-weight:600;font-size:.875rem}
.tool code{font-weight:400}
.md>:first-child{margin-top:.15rem}.md>:last-child{margin-bottom:.15rem}
.md img{max-width:100%}
.md table{border-collapse:collapse}.md td,.md th{border:1px solid var(--line);padding:.2rem .5rem}
.ok{color:var(--ok)}.bad{color:var(--bad)}
pre.bad,details.bad pre{border-color:var(--bad);color:var(--fg)}
details{margin:.3rem 0}
summary{cursor:pointer;color:var(--muted);font-size:.875rem}
.diff pre.del{background:var(--del)}.diff pre.ins{background:var(--ins)}
.outcome{border:1px solid var(--line);border-radius:8px;padding:.25rem 1rem;margin-top:1.5rem}
.outcome h2,.queue h2{font-size:1.1rem}
.run{margin-top:1.25rem}.run>h2{font-size:1.05rem;margin:.5rem 0;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
.run>h2 .muted{font-weight:400}
.queue{border:1px dashed var(--line);border-radius:8px;padding:.25rem 1rem;margin-top:1.5rem}
.queue li{margin:.35rem 0}
footer{border-top:1px solid var(--line);margin-top:2rem;padding-top:.75rem}
@media (max-width:36rem){.ev{padding-left:0}.ev>time{position:static;display:block}}
`.trim();
