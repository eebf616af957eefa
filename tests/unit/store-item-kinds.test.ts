/**
 * store/table.ts lists every kind of item; store/items.ts builds their keys. These hold the two
 * together (a builder whose key its listed shape does not describe fails here).
 */
import { itemKey, itemKindOf, timerDueBound } from '../../lambda/store/items';
import { ITEM_KINDS, type ItemKindName } from '../../lambda/store/table';

const SAMPLE_KEYS: { [name in ItemKindName]: ReturnType<(typeof itemKey)[name]> } = {
  incident: itemKey.incident('INC-7'),
  event: itemKey.event('INC-7', 't-123.456'),
  followUp: itemKey.followUp('INC-7', 't-123.456.0'),
  step: itemKey.step('INC-7', 'page.sev1.t0.oncall'),
  channelLink: itemKey.channelLink('C0INC7'),
  counter: itemKey.counter(),
  claim: itemKey.claim('once#severity.INC-7.sev1'),
  request: itemKey.request('command#123.456'),
  timer: itemKey.timer('2024-02-18T15:30:00.000Z', 'INC-7.sev1.t1'),
  timerId: itemKey.timerId('INC-7.sev1.t1'),
  job: itemKey.job('1708270200000-5b0c'),
  alertLink: itemKey.alertLink('cloudwatch:123456789012:eu-west-1:checkout-api-5xx-rate'),
  alertsOpened: itemKey.alertsOpened('2024-02-18T15:30'),
  oncallOverride: itemKey.oncallOverride('k3x9q2'),
};

describe('item kinds', () => {
  it('has one key builder per listed kind, and no other', () => {
    expect(Object.keys(itemKey).sort()).toEqual(Object.keys(ITEM_KINDS).sort());
  });

  it.each(Object.entries(SAMPLE_KEYS))('builds %s keys of the shape table.ts lists for it', (name, key) => {
    expect(itemKindOf(key.pk, key.sk)).toBe(name);
  });

  it('lists an owner under store/ for every kind', () => {
    for (const kind of Object.values(ITEM_KINDS)) expect(kind.owner).toMatch(/^store\/[a-z-]+\.ts$/);
  });

  it('knows no kind for keys it does not list', () => {
    expect(itemKindOf('SESSION#abc', 'META')).toBeUndefined();
    expect(itemKindOf('INCIDENT#INC-7', 'NOTE#1')).toBeUndefined();
    expect(itemKindOf('INCIDENT#', 'META')).toBeUndefined();
  });

  it('bounds due timers: every sort key due by then sorts before the bound, a later one after', () => {
    const bound = timerDueBound('2024-02-18T15:30:00.000Z');
    expect(itemKey.timer('2024-02-18T15:30:00.000Z', 'INC-7.reminder.20240218T153000Z').sk < bound).toBe(
      true,
    );
    expect(itemKey.timer('2024-02-18T15:30:00.001Z', 'INC-7.sev1.t1').sk > bound).toBe(true);
  });
});
