import { isExcluded, normalizeRelativePath, parseExpectations } from './conformance-expectations.reader';

describe('parseExpectations', () => {
  it('keeps the order of the file (the posting order), normalises paths and reads exclusions', () => {
    const parsed = parseExpectations(
      [
        '# comments are fine',
        'exclude: [ebxml/, "Henvisning/**/*_Test_*.xml"]',
        'files:',
        '  z/Ny.xml: accept',
        '  ./z/Endring.xml: accept',
        '  a/Helsefaglig dialog.xml: reject',
        '  "2024.xml": accept',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      files: [
        { path: 'z/Ny.xml', expected: 'accept' },
        { path: 'z/Endring.xml', expected: 'accept' },
        { path: 'a/Helsefaglig dialog.xml', expected: 'reject' },
        { path: '2024.xml', expected: 'accept' },
      ],
      exclude: ['ebxml', 'Henvisning/**/*_Test_*.xml'],
    });
  });

  it.each([
    ['files: [a.xml]', /'files' must be a mapping/],
    ['files:\n  a.xml: acept', /a\.xml: expected accept or reject, not "acept"/],
    ['files:\n  a.xml: true', /expected accept or reject, not true/],
    ['files:\n  a.xml: accept\n  ./a.xml: reject', /\.\/a\.xml is listed twice/],
    ['files:\n  a.xml: accept\n  a.xml: reject', /not valid YAML/],
    ['files:\n  ../secret.xml: accept', /relative to DIR, without '\.\.'/],
    ['files:\n  /etc/a.xml: accept', /relative to DIR/],
    ['expect:\n  a.xml: accept', /unknown key 'expect'/],
    ['files: {}\nexclude: ebxml', /'exclude' must be a list/],
    ['- a.xml', /expected a mapping with 'files'/],
    ['files: {a.xml: accept', /not valid YAML/],
  ])('%j is refused: %p', (text, message) => {
    expect(() => parseExpectations(text)).toThrow(message);
  });

  it('normalises Windows separators and trailing slashes', () => {
    expect(normalizeRelativePath('plo\\1_6\\x.xml')).toBe('plo/1_6/x.xml');
    expect(normalizeRelativePath('ebxml/')).toBe('ebxml');
  });
});

describe('isExcluded', () => {
  it('excludes a folder with everything under it, but not a name that merely starts the same', () => {
    expect(isExcluded('ebxml/overvakning/a.xml', ['ebxml'])).toBe(true);
    expect(isExcluded('ebxml', ['ebxml'])).toBe(true);
    expect(isExcluded('ebxml2/a.xml', ['ebxml'])).toBe(false);
    expect(isExcluded('plo/ebxml/a.xml', ['ebxml'])).toBe(false);
  });

  it('* matches within a folder, ** across folders, and dots are literal', () => {
    expect(isExcluded('Henvisning/v2/H_Test_mange.xml', ['Henvisning/*/*_Test_*.xml'])).toBe(true);
    expect(isExcluded('Henvisning/v2/deeper/H_Test_mange.xml', ['Henvisning/*/*_Test_*.xml'])).toBe(false);
    expect(isExcluded('Henvisning/v2/deeper/H_Test_mange.xml', ['Henvisning/**/*_Test_*.xml'])).toBe(true);
    expect(isExcluded('aXxml', ['a.xml'])).toBe(false);
    expect(isExcluded('plo/a.xml', ['*.xml'])).toBe(false);
    expect(isExcluded('plo/a.xml', ['**.xml'])).toBe(true);
  });
});
