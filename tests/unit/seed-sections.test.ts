import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  missingSeedSentences,
  parseSeedSections,
  sectionsOfPostmortem,
  splitSentences,
  stripEmphasis,
} from '../helpers/seed-sections';

const SEED = readFileSync(join(__dirname, '..', 'fixtures', 'postmortem-seed.md'), 'utf8');

describe('parseSeedSections on the seed postmortem', () => {
  it('finds the sentences of each seed section, counted by hand from the file', () => {
    // prepare
    const expected = {
      'Issue Summary/Duration': 2,
      'Issue Summary/Impact': 1,
      'Issue Summary/Root Cause': 1,
      'Timeline/Issue Detected': 1,
      'Timeline/Detection Method': 1,
      'Timeline/Actions Taken': 2,
      'Timeline/Misleading Paths': 2,
      'Timeline/Escalation': 1,
      'Timeline/Resolution': 2,
      'Root Cause and Resolution/Root Cause': 2,
      'Root Cause and Resolution/Resolution': 2,
      'Corrective and Preventative Measures/Improvements/Fixes': 2,
      'Corrective and Preventative Measures/Tasks': 4,
    };

    // act
    const sections = parseSeedSections(SEED);

    // assess
    const counts = Object.fromEntries([...sections].map(([path, sentences]) => [path, sentences.length]));
    expect(counts).toEqual(expected);
    expect([...sections.keys()]).toEqual(Object.keys(expected));
  });

  it('reads the Duration bullets with GMT as UTC', () => {
    // act
    const sections = parseSeedSections(SEED);

    // assess
    expect(sections.get('Issue Summary/Duration')).toEqual([
      'Start Time: February 18, 2024, 15:30 UTC',
      'End Time: February 18, 2024, 18:45 UTC',
    ]);
  });

  it('strips the bullet marker and the bold and bold-italic markers of the Impact sentence', () => {
    // act
    const sections = parseSeedSections(SEED);

    // assess
    expect(sections.get('Issue Summary/Impact')).toEqual([
      'The outage affected the user authentication service, causing a 30% increase in login failures and a degradation in overall system performance.',
    ]);
  });

  it('puts the plain "Root Cause:" after Impact under Issue Summary and the later one under Root Cause and Resolution', () => {
    // act
    const sections = parseSeedSections(SEED);

    // assess
    expect(sections.get('Issue Summary/Root Cause')?.[0]).toMatch(
      /^The root cause was identified as a misconfiguration/,
    );
    expect(sections.get('Root Cause and Resolution/Root Cause')?.[1]).toMatch(
      /^Specifically, an incorrect algorithm/,
    );
  });

  it('keeps the date under Issue Detected as one sentence', () => {
    // act
    const sections = parseSeedSections(SEED);

    // assess
    expect(sections.get('Timeline/Issue Detected')).toEqual(['February 18, 2024, 15:30 UTC']);
  });
});

describe('parseSeedSections on other layouts', () => {
  it('joins a hard-wrapped paragraph before splitting it into sentences', () => {
    // prepare
    const markdown = [
      'Timeline:',
      '',
      'Actions Taken:',
      '',
      'Restarted the load',
      'balancer. Then waited.',
    ].join('\n');

    // act
    const sections = parseSeedSections(markdown);

    // assess
    expect(sections.get('Timeline/Actions Taken')).toEqual(['Restarted the load balancer.', 'Then waited.']);
  });

  it('moves a sub-heading that only one top section owns under that section', () => {
    // prepare
    const markdown = ['## Issue Summary', '### Tasks', '* Audit the config.'].join('\n');

    // act
    const sections = parseSeedSections(markdown);

    // assess
    expect([...sections]).toEqual([['Corrective and Preventative Measures/Tasks', ['Audit the config.']]]);
  });

  it('treats a colon-ended line that names no section as prose', () => {
    // prepare
    const markdown = ['## Timeline', '### Actions Taken', 'Steps tried:', '* Restarted lb-2.'].join('\n');

    // act
    const sections = parseSeedSections(markdown);

    // assess
    expect(sections.get('Timeline/Actions Taken')).toEqual(['Steps tried:', 'Restarted lb-2.']);
  });
});

describe('splitSentences and stripEmphasis', () => {
  it('splits on a sentence end followed by a capital only', () => {
    // act
    const sentences = splitSentences('Load was 3.5 times normal. Specifically, lb-2. then lb-3 failed.');

    // assess
    expect(sentences).toEqual(['Load was 3.5 times normal.', 'Specifically, lb-2. then lb-3 failed.']);
  });

  it('removes emphasis markers but keeps underscores inside words', () => {
    // act
    const text = stripEmphasis('***30% increase*** in _login_ errors on auth_service');

    // assess
    expect(text).toBe('30% increase in login errors on auth_service');
  });
});

describe('sectionsOfPostmortem', () => {
  it('keys ## and ### sections by Top/Sub with normalized, emphasis-free bodies', () => {
    // prepare
    const markdown = [
      '# INC-1: x — Postmortem',
      '- **Severity:** sev2',
      '## Timeline',
      '### Actions Taken',
      '- 15:38 — Restarted',
      '  lb-2.',
      '## Metrics',
      '- Time to resolve: _n/a_',
    ].join('\n');

    // act
    const sections = sectionsOfPostmortem(markdown);

    // assess
    expect([...sections]).toEqual([
      ['Timeline', ''],
      ['Timeline/Actions Taken', '- 15:38 — Restarted lb-2.'],
      ['Metrics', '- Time to resolve: n/a'],
    ]);
  });
});

describe('missingSeedSentences', () => {
  const seed = [
    '## Timeline',
    '### Actions Taken',
    '* Restarted lb-2.',
    '### Misleading Paths',
    '* Blamed DNS.',
  ].join('\n');

  it('reports nothing when every sentence stands in its own section', () => {
    // prepare
    const postmortem = [
      '## Timeline',
      '### Actions Taken',
      '- 15:38 — Restarted lb-2.',
      '### Misleading Paths',
      '- 15:40 — Blamed DNS.',
    ].join('\n');

    // act
    const missing = missingSeedSentences(seed, postmortem);

    // assess
    expect(missing).toEqual([]);
  });

  it('reports a sentence that stands in another section', () => {
    // prepare
    const postmortem = [
      '## Timeline',
      '### Actions Taken',
      '- 15:38 — Restarted lb-2.',
      '- 15:40 — Blamed DNS.',
      '### Misleading Paths',
      '_None recorded._',
    ].join('\n');

    // act
    const missing = missingSeedSentences(seed, postmortem);

    // assess
    expect(missing).toEqual(['Timeline/Misleading Paths: Blamed DNS.']);
  });

  it('compares the seed Duration in GMT against a postmortem in UTC, and notices a wrong time', () => {
    // prepare
    const durationSeed = [
      '## Issue Summary:',
      '### Duration:',
      '* Start Time: February 18, 2024, 15:30 GMT',
    ].join('\n');
    const right = ['## Issue Summary', '### Duration', '- Start Time: February 18, 2024, 15:30 UTC'].join(
      '\n',
    );
    const wrong = ['## Issue Summary', '### Duration', '- Start Time: February 18, 2024, 15:31 UTC'].join(
      '\n',
    );

    // act
    const missingFromRight = missingSeedSentences(durationSeed, right);
    const missingFromWrong = missingSeedSentences(durationSeed, wrong);

    // assess
    expect(missingFromRight).toEqual([]);
    expect(missingFromWrong).toEqual(['Issue Summary/Duration: Start Time: February 18, 2024, 15:30 UTC']);
  });
});
