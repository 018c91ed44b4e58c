import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
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

  it('takes a kommune\'s own partition count when given and refuses one that is not a whole number from 1 to 1000', () => {
    const entries = parseDirectory('kommuner:\n  - { kommunenummer: "1151", navn: Utsira, herIds: [], partitions: 1 }\n  - { kommunenummer: "0301", navn: Oslo, herIds: [1] }\n');
    expect(entries.map((e) => e.partitions)).toEqual([1, undefined]);
    for (const bad of ['0', '1.5', '"3"', '1001']) {
      expect(() => parseDirectory(`kommuner:\n  - { kommunenummer: "1151", herIds: [], partitions: ${bad} }\n`)).toThrow(/partitions must be a whole number/);
    }
  });

  it('reads the shipped national directory: 357 kommuner valid from 2024, distinct 4-digit numbers', () => {
    const entries = parseDirectory(readFileSync(join(__dirname, '../../../config/kommuner-2024.yaml'), 'utf8'));
    expect(entries).toHaveLength(357);
    expect(entries.find((e) => e.kommunenummer === '0301')?.navn).toBe('Oslo');
    expect(entries.find((e) => e.kommunenummer === '1580')?.navn).toBe('Haram');
    // The counties abolished on 2024-01-01 (Viken 30, Vestfold og Telemark 38, Troms og Finnmark 54) have no kommune left.
    expect(entries.filter((e) => /^(30|38|54)/.test(e.kommunenummer))).toEqual([]);
  });
});
