import { isHerIdNumber, normalizeHerId, partyHerIds, topHerId } from './her-id.util';
import { MSG_ID_MAX_LENGTH, msgIdProblem } from './msg-id.util';
import { normalizePersonIdValue } from './norwegian-id.util';

describe('normalizeHerId (issue #12: HER-ids as senders write them)', () => {
  it.each([
    ['258521', '258521'],
    ['258.521', '258521'],
    ['258 521', '258521'],
    ['258\u00a0521', '258521'],
    ['258\u202f521', '258521'],
    ['1.234.567', '1234567'],
    ['01010', '1010'],
    ['  0059 ', '59'],
    ['000', '0'],
  ])('%j is the HER-id %s', (written, canonical) => {
    expect(normalizeHerId(written)).toBe(canonical);
    expect(isHerIdNumber(written)).toBe(true);
  });

  it.each(['25.85.21', '2585 21', '258-521', 'HER258521', '', '258..521', '1e5'])('%j is not a HER-id number and is kept (trimmed) as sent', (written) => {
    expect(normalizeHerId(written)).toBe(written.trim());
    expect(isHerIdNumber(written)).toBe(false);
  });

  it('partyHerIds: every HER identifier of every level and person, canonical, top level first, each once', () => {
    const party = {
      organisation: [
        { herId: '99 387', identifiers: [{ type: 'HER', id: '99 387' }, { type: 'ENH', id: '964952135' }, { type: 'HER', id: '099388' }] },
        { herId: '5078', identifiers: [{ type: 'HER', id: '5078' }] },
      ],
      healthcareProfessional: { identifiers: [{ type: 'HPR', id: '9144900' }, { type: 'HER', id: '91.439' }] },
      otherProfessionals: [{ herId: '91440' }],
    };
    expect(partyHerIds(party)).toEqual(['99387', '99388', '5078', '91439', '91440']);
    expect(topHerId(party)).toBe('99387');
    expect(topHerId({ organisation: [{}, { herId: '05078' }] })).toBe('5078');
  });
});

describe('msgIdProblem (issue #12: MsgIds that are not UUIDs)', () => {
  it.each(['0f9c1f6e-3b1a-4c55-9a51-3c2b9a4d7e10', '12345', 'A/B-2024:17', 'Melding nr. 7 fra Ås', 'x'.repeat(MSG_ID_MAX_LENGTH)])('%j is usable', (msgId) => {
    expect(msgIdProblem(msgId)).toBeUndefined();
  });
  it.each([
    [undefined, /missing/],
    ['   ', /empty/],
    ['x'.repeat(MSG_ID_MAX_LENGTH + 1), /longer than/],
    ['a\tb', /control/],
    ['a\u0085b', /control/],
    ['a\u2028b', /control/],
    ['a\u007fb', /control/],
  ])('%j is refused', (msgId, reason) => {
    expect(msgIdProblem(msgId)).toMatch(reason);
  });
});

describe('normalizePersonIdValue', () => {
  it('removes the spaces an 11-digit number is grouped with, nothing else', () => {
    expect(normalizePersonIdValue('150765 00565')).toBe('15076500565');
    expect(normalizePersonIdValue(' 150765\u00a000565 ')).toBe('15076500565');
    expect(normalizePersonIdValue('15 07 65 005 65')).toBe('15076500565');
    expect(normalizePersonIdValue('150765-00565')).toBe('150765-00565');
    expect(normalizePersonIdValue('1507 6500')).toBe('1507 6500');
  });
});
