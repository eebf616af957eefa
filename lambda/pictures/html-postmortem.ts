/**
 * The HTML postmortem (issue 15): the Markdown postmortem (incidents/postmortem.ts) as one
 * self-contained page, readable on a phone and on paper. Nothing in it is loaded from anywhere: the
 * CSS is inline, the timeline chart's SVG is inlined when given, there are no scripts, and a Content
 * Security Policy in the page says so to the browser too. Pure: Markdown in, HTML out.
 *
 * The postmortem holds people's words as they typed them, so the Markdown is rendered with raw HTML
 * turned off: an HTML tag in the text (`<script>`, `<img onerror=…>`) comes out as the text it is.
 * Links become links only to http(s) and mailto; any other target (javascript:, data:, a relative
 * path that means nothing in a file on its own) is shown as the Markdown that was written. An image
 * would be a request to another server, so it becomes a link to the image instead.
 */
import { Marked, type Token, type Tokens } from 'marked';
import { incidentId } from '../incidents/types';

export interface PostmortemHtmlOptions {
  /** The page's title (the browser tab, the printed header); also its heading when the Markdown has none. */
  title: string;
  /** The incident's timeline chart as an SVG document (lambda/pictures/timeline-chart.ts), shown above the first section. */
  chartSvg?: string;
}

/** `INC-7.html`: the HTML postmortem's name beside `INC-7.md` (postmortemFileName). */
export function postmortemHtmlFileName(incident: { number: number }): string {
  return `${incidentId(incident.number)}.html`;
}

export function postmortemHtml(markdown: string, options: PostmortemHtmlOptions): string {
  const title = oneLine(options.title);
  const tokens = markdownParser.lexer(markdown);
  const hasTitle = tokens.some((token) => token.type === 'heading' && token.depth === 1);
  // The chart goes where a reader looks first: after the title and the facts under it, before the
  // first section. A document without sections has it at the end.
  const firstSection = tokens.findIndex((token) => token.type === 'heading' && token.depth >= 2);
  const split = firstSection < 0 ? tokens.length : firstSection;
  const body = [
    hasTitle ? '' : `<h1>${escapeHtml(title)}</h1>\n`,
    render(tokens.slice(0, split)),
    options.chartSvg === undefined ? '' : chartFigure(options.chartSvg),
    render(tokens.slice(split)),
  ].join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main class="postmortem">
${body}</main>
</body>
</html>
`;
}

/** Nothing may load, run or submit; only the inline style applies. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const SAFE_HREF = /^(?:https?:\/\/|mailto:)/i;

/** Whether a link target is one the page may point at: http(s) or mailto, with no tricks in front. */
export function isSafeHref(href: string): boolean {
  // Browsers drop control characters and leading blanks before the scheme (`java\tscript:`), so a
  // target holding any is refused rather than guessed about.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is refused.
  return !/[\u0000-\u0020\u007f]/.test(href) && SAFE_HREF.test(href);
}

const markdownParser = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      const text = escapeHtml(token.text);
      return 'block' in token && token.block ? `<p class="raw">${text.replace(/\n+$/, '')}</p>\n` : text;
    },
    link(token: Tokens.Link): string {
      const href = token.href.trim();
      if (!isSafeHref(href)) return escapeHtml(token.raw);
      const inner = this.parser.parseInline(token.tokens);
      const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
      // A link that shows its own address needs no address after it on paper.
      const bare = token.text === href || `mailto:${token.text}` === href || `http://${token.text}` === href;
      return `<a href="${escapeHtml(href)}"${title}${bare ? ' class="bare"' : ''}>${inner}</a>`;
    },
    image(token: Tokens.Image): string {
      const href = token.href.trim();
      const alt = escapeHtml(token.text || href);
      if (!isSafeHref(href)) return escapeHtml(token.raw);
      return `<a href="${escapeHtml(href)}" class="image">${alt}</a>`;
    },
  },
});

function render(tokens: Token[]): string {
  return tokens.length === 0 ? '' : (markdownParser.parser(tokens) as string);
}

function chartFigure(svg: string): string {
  // An SVG file's prolog (`<?xml …?>`, a DOCTYPE) has no place inside an HTML page.
  const inline = svg.replace(/^\uFEFF?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE[^>]*>\s*)?/i, '').trim();
  return `<figure class="chart" aria-label="Incident timeline">\n${inline}\n</figure>\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * Phone first: the text column never exceeds the screen, font sizes follow the viewport between a
 * floor and a ceiling, long words and URLs break instead of widening the page, and tables and code
 * scroll on their own. The chart fills the column, but below 36rem it scrolls sideways rather than
 * shrinking its labels past reading. On paper: no backgrounds, black text, each link's address written
 * after it, and list items, table rows and the chart kept whole on one page.
 */
const STYLE = `
:root { --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --code-bg: #f6f8fa; --link: #0969da; }
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; color: var(--fg); background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: clamp(1rem, 0.95rem + 0.25vw, 1.125rem); line-height: 1.55; }
main { max-width: 48rem; margin: 0 auto; padding: clamp(1rem, 4vw, 2.5rem);
  overflow-wrap: anywhere; word-wrap: break-word; }
h1, h2, h3, h4, h5, h6 { line-height: 1.25; overflow-wrap: anywhere; hyphens: auto; }
h1 { font-size: clamp(1.5rem, 1.2rem + 1.6vw, 2.25rem); margin: 0 0 0.75em; }
h2 { font-size: clamp(1.25rem, 1.1rem + 0.9vw, 1.6rem); margin: 2em 0 0.6em;
  padding-bottom: 0.25em; border-bottom: 1px solid var(--border); }
h3 { font-size: clamp(1.05rem, 1rem + 0.4vw, 1.2rem); margin: 1.5em 0 0.4em; }
h4, h5, h6 { font-size: 1rem; }
p, ul, ol, pre, table, blockquote, figure { margin: 0 0 1em; }
ul, ol { padding-left: 1.4em; }
li + li { margin-top: 0.3em; }
a { color: var(--link); }
code, pre, .raw { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.9em; }
:not(pre) > code { background: var(--code-bg); padding: 0.1em 0.3em; border-radius: 4px; }
pre { background: var(--code-bg); padding: 0.75em 1em; border-radius: 6px; overflow-x: auto; overflow-wrap: normal; }
pre code { white-space: pre; }
.raw { white-space: pre-wrap; }
table { display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse; }
th, td { border: 1px solid var(--border); padding: 0.35em 0.6em; text-align: left; vertical-align: top; overflow-wrap: normal; }
blockquote { padding: 0 1em; color: var(--muted); border-left: 0.25em solid var(--border); margin-left: 0; }
hr { border: 0; border-top: 1px solid var(--border); }
figure.chart { margin: 1.5em 0; max-width: 100%; overflow-x: auto; }
figure.chart svg { display: block; width: 100%; min-width: 36rem; height: auto; }
@media print {
  @page { margin: 1.5cm; }
  *, *::before, *::after { background: transparent !important; box-shadow: none !important; }
  body { color: #000; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  a { color: #000; text-decoration: underline; }
  a[href]:not(.bare)::after { content: " (" attr(href) ")"; font-size: 0.85em; overflow-wrap: anywhere; }
  li, tr, pre, blockquote, figure { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  pre, pre code { white-space: pre-wrap; overflow: visible; }
  table { display: table; overflow: visible; }
  figure.chart { overflow: visible; }
  figure.chart svg { min-width: 0; }
}
`;
