/**
 * The transcript page's whole stylesheet, inline: the page loads nothing from anywhere (its URL is a
 * capability), and follows the reader's light or dark preference.
 */
export const TRANSCRIPT_CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--code:#f6f8fa;--link:#0969da;--ok:#1a7f37;--bad:#d1242f;--warn:#9a6700;--del:#ffebe9;--ins:#dafbe1}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--code:#151b23;--link:#4493f8;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--del:#3c1618;--ins:#12261e}}
*{box-sizing:border-box}
body{margin:0;overflow-wrap:anywhere;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;-webkit-text-size-adjust:100%}
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
.who,div.tool,.label{font-weight:600;font-size:.875rem}
div.tool code{font-weight:400}
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
.wrap{max-width:76rem}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 17rem;gap:1.5rem;align-items:start}
#details{position:sticky;top:1rem;border:1px solid var(--line);border-radius:8px;padding:.5rem .9rem;font-size:.875rem}
#details h2{font-size:1rem;margin:.25rem 0 .5rem}
#details dl{display:grid;grid-template-columns:auto minmax(0,1fr);gap:.2rem .75rem;margin:0}
#details dt{color:var(--muted)}#details dd{margin:0;overflow-wrap:anywhere}
#details ul{margin:.25rem 0;padding-left:1rem}
.conn{position:fixed;bottom:.75rem;right:.75rem;z-index:2;border-radius:2em;padding:.15em .75em;font-size:.8rem;font-weight:600;border:1px solid var(--line);background:var(--bg);color:var(--muted)}
.conn.connected{color:var(--ok);border-color:var(--ok)}.conn.reconnecting{color:var(--warn);border-color:var(--warn)}.conn.offline{color:var(--bad);border-color:var(--bad)}
.working{display:inline-flex;gap:3px;vertical-align:middle}
.working i{width:6px;height:6px;border-radius:50%;background:var(--link);animation:pulse 1.2s infinite ease-in-out}
.working i:nth-child(2){animation-delay:.2s}.working i:nth-child(3){animation-delay:.4s}
@keyframes pulse{0%,80%,100%{opacity:.25}40%{opacity:1}}
@media (prefers-reduced-motion:reduce){.working i{animation:none;opacity:.8}}
.banner{border:1px solid var(--line);border-left:4px solid var(--muted);border-radius:6px;padding:.5rem .75rem;margin:.6rem 0 0;overflow-wrap:anywhere}
.banner.bad{border-left-color:var(--bad)}
.run-head{font-size:1.05rem;margin:.5rem 0;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
.run-head .muted{font-weight:400}
.group{padding:.2rem 0}
.group>.glabel{font-weight:600;font-size:.875rem;margin:.2rem 0}
.group:not(.many)>.glabel{display:none}
.calls{list-style:none;margin:0;padding:0}
.group.many>.calls{border-left:2px solid var(--line);padding-left:.6rem}
.tool>details{margin:.15rem 0}
.tool>details>summary{color:var(--fg);display:flex;gap:.4rem;align-items:baseline;list-style-position:outside}
.tool>details>summary .what{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.tool>details>summary time{margin-left:auto}
.tool>details>div{padding-left:1.4rem}
.mark::after{content:"…";color:var(--muted)}
.st-done .mark::after{content:"✓";color:var(--ok)}.st-error .mark::after{content:"✗";color:var(--bad)}
body[data-live="0"] .st-running .mark::after{content:"–"}
.older-wrap{text-align:center}
#older{font:inherit;font-size:.875rem;padding:.3rem .9rem;border-radius:6px;border:1px solid var(--line);background:var(--code);color:var(--fg);cursor:pointer}
@media (max-width:60rem){.layout{grid-template-columns:minmax(0,1fr)}#details{position:static}}
@media (max-width:36rem){.ev{padding-left:0}.ev>time{position:static;display:block}.tool>details>summary time{display:none}}
`.trim();
