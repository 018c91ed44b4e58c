import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryException, KommuneDirectory, parseDirectory } from './kommune-directory';

describe('KommuneDirectory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'directory-'));
  const file = join(dir, 'directory.yaml');

  it('finds every kommune any HER-id of a message belongs to', () => {
    writeFileSync(file, 'kommuner:\n  - kommunenummer: "3428"\n    navn: Alvdal\n    herIds: [99387, 5078]\n  - kommunenummer: "0301"\n    navn: Oslo\n    herIds: [5078, 1234]\n');
    const directory = new KommuneDirectory(file, 0);
    expect(directory.kommunerFor(['99387'])).toEqual(['3428']);
    expect(directory.kommunerFor(['5078'])).toEqual(['0301', '3428']);
    expect(directory.kommunerFor(['424242'])).toEqual([]);
  });

  it('picks up a new kommune when the file changes, and keeps the old one when the new file is invalid', () => {
    writeFileSync(file, 'kommuner:\n  - kommunenummer: "3428"\n    navn: Alvdal\n    herIds: [99387]\n');
    const directory = new KommuneDirectory(file, 0);
    expect(directory.kommunerFor(['777'])).toEqual([]);
    writeFileSync(file, 'kommuner:\n  - kommunenummer: "3428"\n    navn: Alvdal\n    herIds: [99387]\n  - kommunenummer: "5001"\n    navn: Trondheim\n    herIds: [777]\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(directory.kommunerFor(['777'])).toEqual(['5001']);
    writeFileSync(file, 'kommuner: nonsense');
    utimesSync(file, new Date(), new Date(Date.now() + 10000));
    expect(directory.kommunerFor(['777'])).toEqual(['5001']);
  });

  it('compares HER-ids by numeric value: grouped or zero-padded in the file and in the lookup (issue #12)', () => {
    writeFileSync(file, 'kommuner:\n  - kommunenummer: "3428"\n    navn: Alvdal\n    herIds: ["258 521", "258.522", "01010", 099387]\n');
    const directory = new KommuneDirectory(file, 0);
    expect(directory.list()[0].herIds).toEqual(['258521', '258522', '1010', '99387']);
    for (const written of ['258521', '258.521', '258 521', '0258521', '1010', '01010', '99387', '99 387']) {
      expect(directory.kommunerFor([written])).toEqual(['3428']);
    }
    expect(directory.kommunerFor(['2585210'])).toEqual([]);
    expect(() => parseDirectory('kommuner:\n  - kommunenummer: "0301"\n    herIds: ["12-34"]\n')).toThrow(/HER-id numbers/);
  });

  it('rejects unquoted or malformed kommunenummer and duplicates', () => {
    expect(() => parseDirectory('kommuner:\n  - kommunenummer: 301\n    herIds: [1]\n')).toThrow(DirectoryException);
    expect(() => parseDirectory('kommuner:\n  - kommunenummer: "0301"\n    herIds: [1]\n  - kommunenummer: "0301"\n    herIds: [2]\n')).toThrow(/twice/);
  });
});
