/**
 * Reads the seed postmortem (shared/seed/postmortem-seed.md) into sentences per section, and checks a
 * compiled postmortem holds each of them in the same section. The section names below are copied from
 * docs/architecture.md ("The postmortem document"), not imported from the compiler, so a wrong heading in the compiler fails the check.
 */

const SECTIONS: ReadonlyArray<{ top: string; subs: readonly string[] }> = [
  { top: 'Issue Summary', subs: ['Duration', 'Impact', 'Root Cause'] },
  {
    top: 'Timeline',
    subs: [
      'Issue Detected',
      'Detection Method',
      'Actions Taken',
      'Misleading Paths',
      'Escalation',
      'Resolution',
    ],
  },
  { top: 'Root Cause and Resolution', subs: ['Root Cause', 'Resolution'] },
  { top: 'Corrective and Preventative Measures', subs: ['Improvements/Fixes', 'Tasks'] },
];

/** Removes bold/italic markers; `_` only at word edges so `snake_case` survives. */
export function stripEmphasis(text: string): string {
  return text
    .replace(/\*+/g, '')
    .replace(/(^|[^\w])_+(?=\S)/g, '$1')
    .replace(/(\S)_+(?=[^\w]|$)/g, '$1');
}

export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Sentence ends: `.`, `!` or `?`, then whitespace, then a capital. */
export function splitSentences(text: string): string[] {
  return normalizeWhitespace(stripEmphasis(text))
    .split(/(?<=[.!?])\s+(?=[A-Z])/)
    .filter((s) => s.length > 0);
}

/** Heading text compared loosely: the seed writes `Issue Summary:`, `**Tasks**`, `Improvements / Fixes`. */
function headingKey(name: string): string {
  return normalizeWhitespace(stripEmphasis(name))
    .replace(/:$/, '')
    .replace(/\s*\/\s*/g, '/')
    .toLowerCase();
}

function knownTop(name: string): string | undefined {
  return SECTIONS.find((s) => headingKey(s.top) === headingKey(name))?.top;
}

/**
 * The product's top and sub heading for a seed sub-heading. The seed's names are ambiguous (`Root
 * Cause` and `Resolution` exist under two tops), so the top the seed is in wins; a name that belongs
 * to exactly one other top moves there.
 */
function placeSub(name: string, top: string | undefined): { top: string | undefined; sub: string } {
  const key = headingKey(name);
  const inTop = SECTIONS.find((s) => s.top === top)?.subs.find((sub) => headingKey(sub) === key);
  if (inTop) return { top, sub: inTop };
  const owners = SECTIONS.filter((s) => s.subs.some((sub) => headingKey(sub) === key));
  const [only] = owners;
  if (owners.length === 1 && only) {
    return { top: only.top, sub: only.subs.find((sub) => headingKey(sub) === key) ?? name };
  }
  return { top, sub: normalizeWhitespace(stripEmphasis(name)).replace(/:$/, '') };
}

function isKnownSub(name: string): boolean {
  const key = headingKey(name);
  return SECTIONS.some((s) => s.subs.some((sub) => headingKey(sub) === key));
}

type SeedLine =
  | { type: 'title' }
  | { type: 'top'; name: string }
  | { type: 'sub'; name: string }
  | { type: 'bullet'; text: string }
  | { type: 'text'; text: string }
  | { type: 'blank' };

function classify(raw: string): SeedLine {
  const line = raw.trim();
  if (!line || /^([-*_]\s*){3,}$/.test(line)) return { type: 'blank' };
  const markdown = /^(#{1,6})\s+(.*)$/.exec(line);
  if (markdown) {
    const level = markdown[1]?.length ?? 0;
    const name = markdown[2] ?? '';
    if (level === 1) return { type: 'title' };
    // The name decides the level: the seed's heading levels are not consistent.
    const top = knownTop(name);
    if (top) return { type: 'top', name: top };
    if (isKnownSub(name)) return { type: 'sub', name };
    return level === 2 ? { type: 'top', name: headingName(name) } : { type: 'sub', name };
  }
  const bullet = /^[*+-]\s+(.*)$/.exec(line);
  if (bullet) return { type: 'bullet', text: bullet[1] ?? '' };
  // A plain `Name:` line is a heading only when it names a known section; otherwise it is prose.
  if (line.endsWith(':')) {
    const top = knownTop(line);
    if (top) return { type: 'top', name: top };
    if (isKnownSub(line)) return { type: 'sub', name: line };
  }
  return { type: 'text', text: line };
}

function headingName(name: string): string {
  return normalizeWhitespace(stripEmphasis(name)).replace(/:$/, '');
}

/** "GMT" in the seed's Duration is the UTC the compiler prints. */
function normalizeSentence(path: string, sentence: string): string {
  return path === 'Issue Summary/Duration' ? sentence.replace(/\bGMT\b(?![+-])/g, 'UTC') : sentence;
}

/** The seed's sentences by section path (`Top/Sub`, e.g. `Timeline/Escalation`), in document order. */
export function parseSeedSections(markdown: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let top: string | undefined;
  let sub: string | undefined;
  let item: string[] = [];

  const flush = () => {
    if (item.length === 0) return;
    const path = sub ? `${top ?? ''}/${sub}` : (top ?? '');
    const sentences = sections.get(path) ?? [];
    for (const s of splitSentences(item.join(' '))) sentences.push(normalizeSentence(path, s));
    sections.set(path, sentences);
    item = [];
  };

  for (const raw of markdown.split(/\r?\n/)) {
    const line = classify(raw);
    switch (line.type) {
      case 'blank':
      case 'title':
        flush();
        break;
      case 'top':
        flush();
        top = line.name;
        sub = undefined;
        break;
      case 'sub': {
        flush();
        const placed = placeSub(line.name, top);
        top = placed.top;
        sub = placed.sub;
        break;
      }
      case 'bullet':
        flush();
        item.push(line.text);
        break;
      case 'text':
        // Consecutive prose lines are one paragraph, so a hard-wrapped sentence stays whole.
        item.push(line.text);
        break;
    }
  }
  flush();
  return sections;
}

/** A compiled postmortem's `##`/`###` sections as `Top/Sub` (or `Top`) → body, emphasis stripped. */
export function sectionsOfPostmortem(markdown: string): Map<string, string> {
  const bodies = new Map<string, string[]>();
  let path: string | undefined;
  let top = '';
  for (const line of markdown.split(/\r?\n/)) {
    const heading = /^(#{2,3})\s+(.*)$/.exec(line);
    if (heading) {
      const name = (heading[2] ?? '').trim();
      if (heading[1] === '##') {
        top = name;
        path = name;
      } else {
        path = `${top}/${name}`;
      }
      if (!bodies.has(path)) bodies.set(path, []);
      continue;
    }
    if (path !== undefined) bodies.get(path)?.push(line);
  }
  const result = new Map<string, string>();
  for (const [key, lines] of bodies) result.set(key, normalizeWhitespace(stripEmphasis(lines.join('\n'))));
  return result;
}

/** Every seed sentence (`Section/Path: sentence`) that the postmortem does not hold in that same section. */
export function missingSeedSentences(seed: string, postmortem: string): string[] {
  const sections = sectionsOfPostmortem(postmortem);
  const missing: string[] = [];
  for (const [path, sentences] of parseSeedSections(seed)) {
    const body = sections.get(path) ?? '';
    for (const sentence of sentences) {
      if (!body.includes(sentence)) missing.push(`${path}: ${sentence}`);
    }
  }
  return missing;
}

/** docs/architecture.md, "The postmortem document": the headings of every postmortem, in order. */
export const PRODUCT_HEADINGS: readonly string[] = SECTIONS.flatMap(({ top, subs }) => [
  `## ${top}`,
  ...subs.map((sub) => `### ${sub}`),
]);
