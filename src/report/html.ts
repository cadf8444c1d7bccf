/**
 * Tiny HTML building blocks for the report: every dynamic text goes through `escapeHtml`, and
 * images are data URIs so the page is one self-contained file.
 */

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A file's bytes as a data URI (`image/png` unless told otherwise). */
export function dataUri(bytes: Uint8Array, mime = 'image/png'): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** An inlined image with a caption. */
export function figure(uri: string, caption: string): string {
  return `<figure><img src="${uri}" alt="${escapeHtml(caption)}"><figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/** A table; cells are text (escaped). `highlight` marks one row (the best model). */
export function table(headers: string[], rows: string[][], highlight = -1): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row, i) => `<tr${i === highlight ? ' class="best"' : ''}>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A note for a part that is not available yet, saying which stage makes it. */
export function missing(what: string, stage: string): string {
  return `<p class="missing">${escapeHtml(what)} not available yet: run <code>npm start -- --stage ${escapeHtml(stage)}</code>.</p>`;
}

/** A section with a heading and an id for the table of contents. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

const STYLE = `
body { font-family: DejaVu Sans, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; }
th { background: #f0f0f0; } td:first-child, th:first-child { text-align: left; } tr.best { background: #e3f2e1; font-weight: bold; }
figure { display: inline-block; margin: 0.5em 1em 1em 0; vertical-align: top; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #555; } pre { font-size: 10px; line-height: 1.1; background: #f7f7f7; padding: 0.5em; overflow-x: auto; }
.missing { color: #a33; }`;

/** The whole page. */
export function page(title: string, nav: { id: string; title: string }[], body: string): string {
  const links = nav.map((n) => `<a href="#${n.id}">${escapeHtml(n.title)}</a>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1><nav>${links}</nav>
${body}
</body></html>
`;
}
