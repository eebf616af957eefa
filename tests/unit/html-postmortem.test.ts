import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePostmortem } from '../../lambda/incidents/postmortem';
import type { EventKind, FollowUp, IncidentRecord, TimelineEvent } from '../../lambda/incidents/types';
import {
  escapeHtml,
  isSafeHref,
  postmortemHtml,
  postmortemHtmlFileName,
} from '../../lambda/pictures/html-postmortem';
import { anEvent, anIncident } from '../fixtures/incidents';

const SEED = readFileSync(join(__dirname, '..', 'fixtures', 'postmortem-seed.md'), 'utf8');
const UTC = { tz: 'UTC', now: '2024-02-18T20:00:00.000Z' };
const at = (clock: string) => `2024-02-18T${clock}:00.000Z`;

const PERMALINK = 'https://acme.slack.com/archives/C0INC7/p1708270800000100';
const TICKET_URL = 'https://github.com/acme/ops/issues/42';

let sequence = 0;
function event(kind: EventKind, clock: string, text: string, extra: Partial<TimelineEvent> = {}) {
  sequence += 1;
  return anEvent({ id: `ev-${sequence}`, at: at(clock), recordedAt: at(clock), kind, text, ...extra });
}

function followUp(type: FollowUp['type'], text: string, extra: Partial<FollowUp> = {}): FollowUp {
  sequence += 1;
  return {
    id: `fu-${sequence}`,
    incidentId: 'INC-7',
    type,
    text,
    author: 'U0ALICE',
    createdAt: at('18:40'),
    ...extra,
  };
}

/** A resolved incident with an entry in every section, some of them written to break the page. */
function record(): IncidentRecord {
  return {
    incident: anIncident({
      title: 'Login failures <b>on</b> the auth service',
      status: 'resolved',
      commander: 'U0ALICE',
      channelName: 'inc-7-login-failures',
      acknowledgedAt: at('15:41'),
      acknowledgedBy: 'U0ALICE',
      resolvedAt: at('18:45'),
      impact: '30% of logins failed <img src=x onerror=alert(1)>',
      rootCause: 'A load balancer misconfiguration',
      resolution: 'Traffic was rebalanced, see [the runbook](https://wiki.acme.example/runbooks/lb)',
    }),
    events: [
      event('detection', '15:30', 'Error rate alert fired <script>alert("detection")</script>'),
      event('action', '15:38', 'Restarted pods, [details](javascript:alert(document.cookie))'),
      event(
        'misleading',
        '16:10',
        'Blamed the database <a href="javascript:alert(2)" onclick="x()">here</a>',
      ),
      event('escalation', '17:05', 'Escalated to SRE', { team: 'sre' }),
      event(
        'cause',
        '17:40',
        'Weighted round-robin weights were zero ![pixel](https://tracker.example/p.png)',
      ),
      event('resolution', '18:15', 'Weights restored', {
        id: 'msg.pin.C0INC7.1708270800.000100',
        via: 'pin',
        message: { channelId: 'C0INC7', ts: '1708270800.000100', permalink: PERMALINK },
      }),
      event(
        'note',
        '18:20',
        'Long address https://example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      ),
    ],
    followUps: [
      followUp('fix', 'Alert on zero weights', {
        owner: 'U0BOB',
        ticket: { tracker: 'github', key: 'acme/ops#42', url: TICKET_URL, id: '42' },
      }),
      followUp('task', 'Audit the balancer configs <iframe src="https://evil.example/"></iframe>'),
    ],
  };
}

/** The http(s)/mailto links the record's Markdown holds, as they may appear in the page. */
const OWN_LINKS = [
  'https://wiki.acme.example/runbooks/lb',
  'https://tracker.example/p.png',
  PERMALINK,
  TICKET_URL,
  'https://example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
];

// --- a small reader of the page, strict enough that a tag it cannot read is itself a failure ---

interface Tag {
  name: string;
  attributes: Array<[string, string]>;
}

const TAG =
  /<([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

function tagsOf(html: string): Tag[] {
  return [...html.matchAll(TAG)].map((match) => ({
    name: (match[1] as string).toLowerCase(),
    attributes: [...(match[2] ?? '').matchAll(ATTRIBUTE)].map((a): [string, string] => [
      (a[1] as string).toLowerCase(),
      a[2] ?? a[3] ?? a[4] ?? '',
    ]),
  }));
}

const ALLOWED_TAGS = new Set(
  'html head meta title style body main h1 h2 h3 h4 h5 h6 p ul ol li a strong em del code pre br hr blockquote table thead tbody tr th td figure svg g rect line text tspan path circle'.split(
    ' ',
  ),
);

/**
 * What in the page could run, load or lead somewhere it should not: a tag outside the list above, an
 * event handler, any src, an href other than the document's own links, a `<` starting a tag the reader
 * cannot parse (so nothing can hide from the checks).
 */
function securityProblems(html: string, ownLinks: readonly string[]): string[] {
  const problems: string[] = [];
  const tags = tagsOf(html);
  const opened = html.match(/<[a-zA-Z]/g)?.length ?? 0;
  if (opened !== tags.length) problems.push(`${opened - tags.length} tag(s) not readable`);
  for (const tag of tags) {
    if (!ALLOWED_TAGS.has(tag.name)) problems.push(`<${tag.name}>`);
    for (const [name, value] of tag.attributes) {
      if (name.startsWith('on')) problems.push(`${tag.name} ${name}=`);
      if (name === 'src' || name === 'srcset' || name === 'xlink:href')
        problems.push(`${tag.name} ${name}=${value}`);
      if (name === 'href' && (tag.name !== 'a' || !ownLinks.includes(value.replace(/&amp;/g, '&'))))
        problems.push(`${tag.name} href=${value}`);
      if (name === 'style') problems.push(`${tag.name} style=`);
    }
  }
  return problems;
}

function hrefsOf(html: string): string[] {
  return tagsOf(html).flatMap((tag) => tag.attributes.filter(([name]) => name === 'href').map(([, v]) => v));
}

/** The page's visible words: tags out (a block's as a space), entities back, whitespace as one space. */
function textOf(html: string): string {
  const body = html.slice(html.indexOf('<body>'));
  return body
    .replace(/<\/?(?:a|strong|em|code|del)\b[^>]*>/g, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

function headingsOf(markdown: string): Array<{ depth: number; text: string }> {
  return markdown
    .split('\n')
    .map((line) => /^(#{1,6})\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ depth: (match[1] as string).length, text: (match[2] as string).trim() }));
}

function htmlHeadingsOf(html: string): Array<{ depth: number; text: string }> {
  return [...html.matchAll(/<h([1-6])>(.*?)<\/h\1>/g)].map((match) => ({
    depth: Number(match[1]),
    text: textOf(`<body>${match[2]}`).trim(),
  }));
}

function styleOf(html: string): { screen: string; print: string } {
  const css = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
  const start = css.indexOf('@media print');
  if (start < 0) return { screen: css, print: '' };
  let depth = 0;
  let end = css.indexOf('{', start);
  for (; end < css.length; end++) {
    if (css[end] === '{') depth++;
    if (css[end] === '}' && --depth === 0) break;
  }
  return {
    screen: css.slice(0, start) + css.slice(end + 1),
    print: css.slice(css.indexOf('{', start) + 1, end),
  };
}

/** The declarations of the rules whose selector list names `selector`. */
function declarationsFor(css: string, selector: string): string {
  return [...css.matchAll(/([^{}]+)\{([^{}]*)\}/g)]
    .filter((rule) => (rule[1] as string).split(',').some((s) => s.trim() === selector))
    .map((rule) => rule[2] as string)
    .join(' ')
    .replace(/\s+/g, ' ');
}

const CHART = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 200" width="800" height="200"><rect x="0" y="0" width="800" height="200" fill="#fff"/><text x="10" y="20">15:30 detection</text></svg>`;

describe('the page reader these tests use', () => {
  it('finds what it is there to find', () => {
    expect(securityProblems('<p><img src=x onerror=alert(1)></p>', [])).toEqual(
      expect.arrayContaining(['<img>', 'img onerror=', 'img src=x']),
    );
    expect(securityProblems('<a href="javascript:x">y</a><script>z</script>', [])).toEqual([
      'a href=javascript:x',
      '<script>',
    ]);
    expect(securityProblems('<p <img src=x>', [])).toContain('1 tag(s) not readable');
    expect(securityProblems('<p title="a>b">x</p>', [])).toEqual([]);
    expect(declarationsFor('a, h1 { color: red; } h1 { x: y }', 'h1')).toBe(' color: red; x: y ');
  });
});

describe('postmortemHtml: the compiled postmortem', () => {
  const markdown = compilePostmortem(record(), UTC);
  const html = postmortemHtml(markdown, { title: 'INC-7 postmortem' });

  it('shows every heading of the Markdown, in order and at its level', () => {
    // The headings hold no Markdown markup, so their text is what the page must show.
    const expected = headingsOf(markdown);
    expect(expected.length).toBeGreaterThanOrEqual(20);
    expect(htmlHeadingsOf(html)).toEqual(expected);
    expect(html.match(/<h1>/g)).toHaveLength(1);
  });

  it('shows the words of every section', () => {
    const text = textOf(html);
    for (const words of [
      'A load balancer misconfiguration',
      '30% of logins failed',
      'Escalated to SRE',
      'team paged: sre',
      'Weighted round-robin weights were zero',
      'Weights restored',
      'Alert on zero weights',
      'Audit the balancer configs',
      'Time to resolve: 3 hours 15 minutes',
    ]) {
      expect(text).toContain(words);
    }
  });

  it('is one self-contained document: nothing runs, loads or leads anywhere but its own links', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(securityProblems(html, OWN_LINKS)).toEqual([]);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';`,
    );
    // The links the postmortem holds are links: the check above had something to check.
    expect(new Set(hrefsOf(html))).toEqual(new Set(OWN_LINKS));
  });

  it('shows raw HTML in people’s words as the text they typed', () => {
    const text = textOf(html);
    expect(text).toContain('Error rate alert fired <script>alert("detection")</script>');
    expect(text).toContain('30% of logins failed <img src=x onerror=alert(1)>');
    expect(text).toContain('<a href="javascript:alert(2)" onclick="x()">here</a>');
    expect(text).toContain('<iframe src="https://evil.example/"></iframe>');
    expect(text).toContain('Login failures <b>on</b> the auth service');
    expect(html).toContain('&lt;script&gt;alert("detection")&lt;/script&gt;');
  });

  it('does not make a javascript: link a link, and shows what was written', () => {
    expect(hrefsOf(html).filter((href) => /script/i.test(href))).toEqual([]);
    expect(textOf(html)).toContain('Restarted pods, [details](javascript:alert(document.cookie))');
  });

  it('shows an image as a link to it, never loading it', () => {
    expect(html).toContain('<a href="https://tracker.example/p.png" class="image">pixel</a>');
  });
});

describe('postmortemHtml: the seed postmortem (tests/fixtures/postmortem-seed.md)', () => {
  const html = postmortemHtml(SEED, { title: 'web stack debugging project issue postmortem' });

  it('shows each of its headings and every line of its text', () => {
    expect(htmlHeadingsOf(html)).toEqual([
      { depth: 1, text: 'web stack debugging project issue postmortem' },
      { depth: 2, text: 'Issue Summary:' },
      { depth: 3, text: 'Duration:' },
      { depth: 3, text: 'Impact:' },
    ]);
    const text = textOf(html);
    const lines = SEED.split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) =>
        line
          .replace(/^\*\s+/, '')
          .replace(/\*+/g, '')
          .trim(),
      );
    expect(lines.length).toBeGreaterThan(30);
    for (const line of lines) expect(text).toContain(line);
    expect(html).toContain('<strong>user authentication service</strong>');
    expect(html).toContain('<em><strong>30% increase</strong></em>');
    expect(securityProblems(html, [])).toEqual([]);
  });
});

describe('postmortemHtml: the chart', () => {
  const markdown = compilePostmortem(record(), UTC);

  it('inlines the chart SVG, without its XML prolog, after the facts and before the first section', () => {
    const html = postmortemHtml(markdown, { title: 'INC-7', chartSvg: CHART });
    const svg = CHART.slice(CHART.indexOf('<svg'));
    const figure = html.indexOf(`<figure class="chart" aria-label="Incident timeline">\n${svg}\n</figure>`);
    expect(figure).toBeGreaterThan(html.indexOf('<li><strong>Severity:</strong>'));
    expect(figure).toBeLessThan(html.indexOf('<h2>Issue Summary</h2>'));
    expect(html).not.toContain('<?xml');
    expect(html.match(/<svg/g)).toHaveLength(1);
    expect(securityProblems(html, OWN_LINKS)).toEqual([]);
  });

  it('has no chart when none is given', () => {
    const html = postmortemHtml(markdown, { title: 'INC-7' });
    expect(html).not.toContain('<svg');
    expect(html).not.toContain('<figure');
  });

  it('puts the chart at the end of a document without sections', () => {
    const html = postmortemHtml('Just words.', { title: 'T', chartSvg: '<svg viewBox="0 0 1 1"></svg>' });
    expect(html.indexOf('<svg')).toBeGreaterThan(html.indexOf('Just words.'));
  });
});

describe('postmortemHtml: on a phone and on paper', () => {
  const longTitle = `${'Checkout-service-payment-gateway-timeouts-'.repeat(4)}${'x'.repeat(200)}`.slice(
    0,
    200,
  );
  const markdown = compilePostmortem(
    { incident: anIncident({ title: longTitle }), events: [], followUps: [] },
    UTC,
  );
  const html = postmortemHtml(markdown, { title: `INC-7: ${longTitle}` });
  const { screen, print } = styleOf(html);

  it('shows a 200-character title whole, in a heading that wraps instead of widening the page', () => {
    expect(longTitle).toHaveLength(200);
    expect(html).toContain(`<title>INC-7: ${longTitle}</title>`);
    expect(html).toContain(`<h1>INC-7: ${longTitle} — Postmortem</h1>`);
    expect(declarationsFor(screen, 'h1')).toContain('overflow-wrap: anywhere');
    expect(declarationsFor(screen, 'main')).toContain('overflow-wrap: anywhere');
  });

  it('fits a phone: viewport, a bounded column, font sizes that follow the screen, scrolling tables and code', () => {
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(declarationsFor(screen, 'main')).toMatch(/max-width: 48rem/);
    expect(declarationsFor(screen, 'body')).toMatch(/font-size: clamp\(/);
    expect(declarationsFor(screen, 'h1')).toMatch(/font-size: clamp\(/);
    expect(declarationsFor(screen, 'pre')).toContain('overflow-x: auto');
    expect(declarationsFor(screen, 'table')).toContain('overflow-x: auto');
    expect(declarationsFor(screen, 'figure.chart svg')).toContain(
      'width: 100%; min-width: 36rem; height: auto',
    );
    expect(declarationsFor(screen, 'figure.chart')).toContain('overflow-x: auto');
    expect(declarationsFor(print, 'figure.chart svg')).toContain('min-width: 0');
  });

  it('prints: no backgrounds, whole list items, each link’s address written after it', () => {
    expect(print).not.toBe('');
    expect(declarationsFor(print, '*')).toContain('background: transparent !important');
    expect(declarationsFor(print, 'li')).toContain('break-inside: avoid');
    expect(declarationsFor(print, 'a[href]:not(.bare)::after')).toContain('content: " (" attr(href) ")"');
    // Screen CSS does not write addresses out.
    expect(screen).not.toContain('attr(href)');
  });

  it('marks a link that shows its own address, so paper does not print it twice', () => {
    const page = postmortemHtml('See https://example.com/x and [the runbook](https://example.com/y).', {
      title: 'T',
    });
    expect(page).toContain('<a href="https://example.com/x" class="bare">https://example.com/x</a>');
    expect(page).toContain('<a href="https://example.com/y">the runbook</a>');
  });
});

describe('postmortemHtml: the title and links', () => {
  it('adds the title as the heading when the Markdown has none, escaped', () => {
    const html = postmortemHtml('## Impact\n\nNone.', { title: 'A <b>bold</b>\nclaim' });
    expect(html).toContain('<title>A &lt;b&gt;bold&lt;/b&gt; claim</title>');
    expect(html).toContain('<h1>A &lt;b&gt;bold&lt;/b&gt; claim</h1>\n<h2>Impact</h2>');
  });

  it('links to http(s) and mailto only', () => {
    const html = postmortemHtml(
      [
        '[a](https://a.example/?q=1&r=2) [b](http://b.example) [c](mailto:sre@acme.example)',
        '[d](data:text/html,<b>x</b>) [e](/relative) [f](vbscript:x) [g](JAVASCRIPT:alert(1))',
        '[h](file:///etc/passwd) [i](#anchor)',
      ].join('\n\n'),
      { title: 'T' },
    );
    expect(hrefsOf(html)).toEqual([
      'https://a.example/?q=1&amp;r=2',
      'http://b.example',
      'mailto:sre@acme.example',
    ]);
    expect(textOf(html)).toContain('[g](JAVASCRIPT:alert(1))');
    expect(
      securityProblems(html, ['https://a.example/?q=1&r=2', 'http://b.example', 'mailto:sre@acme.example']),
    ).toEqual([]);
  });

  it.each([
    ['https://x.example/', true],
    ['HTTP://x.example/', true],
    ['mailto:a@b.example', true],
    ['javascript:alert(1)', false],
    ['java\tscript:alert(1)', false],
    [' https://x.example/', false],
    ['https:\n//x', false],
    ['data:text/html,x', false],
    ['//x.example/', false],
    ['/relative', false],
    ['', false],
  ])('isSafeHref(%j) is %s', (href, safe) => {
    expect(isSafeHref(href)).toBe(safe);
  });

  it('escapes what HTML gives meaning to', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('names the file beside the Markdown', () => {
    expect(postmortemHtmlFileName({ number: 7 })).toBe('INC-7.html');
  });
});
