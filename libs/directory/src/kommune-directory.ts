import { HubException } from '@hub/exceptions';
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * The kommune directory: which HER-ids (legal entities and services, at any organisation level)
 * belong to which kommune. A message belongs to every kommune that is a party to it.
 *
 * The file named by HENDELSESLAGER_DIRECTORY is re-read when it changes, so adding a kommune
 * takes effect without restarting any app. A file that fails validation is rejected as a whole
 * and the previous directory stays in force.
 */
export interface KommuneEntry {
  kommunenummer: string;
  navn: string;
  herIds: string[];
}

export enum DirectoryExceptionCode {
  INVALID_DIRECTORY = 'DIRECTORY.INVALID',
}

export class DirectoryException extends HubException<DirectoryExceptionCode> {
  constructor(message: string) {
    super(DirectoryExceptionCode.INVALID_DIRECTORY, message);
  }
}

export function parseDirectory(text: string): KommuneEntry[] {
  const doc = parse(text) as { kommuner?: unknown };
  if (!doc || !Array.isArray(doc.kommuner)) throw new DirectoryException("Directory must have a 'kommuner' list");
  const seenKnr = new Set<string>();
  return doc.kommuner.map((raw: unknown, index: number) => {
    const entry = raw as { kommunenummer?: unknown; navn?: unknown; herIds?: unknown };
    const knr = String(entry?.kommunenummer ?? '');
    if (!/^\d{4}$/.test(knr)) throw new DirectoryException(`kommuner[${index}].kommunenummer must be 4 digits (quote it in YAML)`);
    if (seenKnr.has(knr)) throw new DirectoryException(`kommunenummer ${knr} appears twice`);
    seenKnr.add(knr);
    if (!Array.isArray(entry.herIds)) throw new DirectoryException(`kommuner[${index}].herIds must be a list`);
    const herIds = entry.herIds.map((h) => String(h).trim());
    if (herIds.some((h) => !/^\d+$/.test(h))) throw new DirectoryException(`kommuner[${index}].herIds must be digits`);
    return { kommunenummer: knr, navn: String(entry.navn ?? knr), herIds };
  });
}

export class KommuneDirectory {
  private byHerId = new Map<string, Set<string>>();
  private entries: KommuneEntry[] = [];
  private loadedMtimeMs = -1;
  private lastCheck = 0;

  /** @param checkIntervalMs how often lookups may stat the file for changes. */
  constructor(private readonly path: string, private readonly checkIntervalMs = 1000) {
    this.reload(true);
  }

  /** Kommunenummer of every kommune any of these HER-ids belongs to, sorted. */
  kommunerFor(herIds: Iterable<string>): string[] {
    this.refreshIfChanged();
    const found = new Set<string>();
    for (const her of herIds) for (const knr of this.byHerId.get(her) ?? []) found.add(knr);
    return [...found].sort();
  }

  list(): KommuneEntry[] {
    this.refreshIfChanged();
    return this.entries.map((e) => ({ ...e, herIds: [...e.herIds] }));
  }

  has(kommunenummer: string): boolean {
    return this.list().some((e) => e.kommunenummer === kommunenummer);
  }

  /** Re-reads the file if its modification time changed; keeps the old directory on error. */
  refreshIfChanged(now = Date.now()): void {
    if (now - this.lastCheck < this.checkIntervalMs) return;
    this.lastCheck = now;
    this.reload(false);
  }

  private reload(initial: boolean): void {
    let mtime: number;
    try {
      mtime = statSync(this.path).mtimeMs;
    } catch {
      if (initial) throw new DirectoryException(`Kommune directory not found at ${this.path}`);
      return;
    }
    if (mtime === this.loadedMtimeMs) return;
    try {
      const entries = parseDirectory(readFileSync(this.path, 'utf8'));
      const byHerId = new Map<string, Set<string>>();
      for (const entry of entries) {
        for (const her of entry.herIds) {
          if (!byHerId.has(her)) byHerId.set(her, new Set());
          byHerId.get(her)!.add(entry.kommunenummer);
        }
      }
      this.entries = entries;
      this.byHerId = byHerId;
      this.loadedMtimeMs = mtime;
    } catch (error) {
      if (initial) throw error;
      // Keep serving the last good directory; the ops CLI validates before writing.
    }
  }
}
