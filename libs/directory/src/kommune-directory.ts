import { HubException } from '@hub/exceptions';
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { isHerIdNumber, normalizeHerId } from '@hub/messages';

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
  /**
   * Partitions of this kommune's topics when they are created (default KAFKA_TOPIC_PARTITIONS):
   * 1 suits a small kommune, whose idle partitions then cost the broker and every consumer
   * little. Kafka never lowers a topic's partitions; raising it later moves keys to other
   * partitions, so choose before the kommune's first message.
   */
  partitions?: number;
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
    const entry = raw as { kommunenummer?: unknown; navn?: unknown; herIds?: unknown; partitions?: unknown };
    const knr = String(entry?.kommunenummer ?? '');
    if (!/^\d{4}$/.test(knr)) throw new DirectoryException(`kommuner[${index}].kommunenummer must be 4 digits (quote it in YAML)`);
    if (seenKnr.has(knr)) throw new DirectoryException(`kommunenummer ${knr} appears twice`);
    seenKnr.add(knr);
    if (!Array.isArray(entry.herIds)) throw new DirectoryException(`kommuner[${index}].herIds must be a list`);
    // HER-ids are numbers: "258 521", '258.521' and "01010" are 258521 and 1010 (normalizeHerId, libs/messages).
    const written = entry.herIds.map((h) => String(h));
    if (written.some((h) => !isHerIdNumber(h))) throw new DirectoryException(`kommuner[${index}].herIds must be HER-id numbers (digits, optionally grouped by spaces or dots)`);
    const herIds = [...new Set(written.map(normalizeHerId))];
    if (entry.partitions === undefined || entry.partitions === null) return { kommunenummer: knr, navn: String(entry.navn ?? knr), herIds };
    const partitions = entry.partitions;
    if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1 || partitions > 1000) {
      throw new DirectoryException(`kommuner[${index}].partitions must be a whole number from 1 to 1000`);
    }
    return { kommunenummer: knr, navn: String(entry.navn ?? knr), herIds, partitions };
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

  /** Kommunenummer of every kommune any of these HER-ids belongs to (compared by numeric value), sorted. */
  kommunerFor(herIds: Iterable<string>): string[] {
    this.refreshIfChanged();
    const found = new Set<string>();
    for (const her of herIds) for (const knr of this.byHerId.get(normalizeHerId(her)) ?? []) found.add(knr);
    return [...found].sort();
  }

  list(): KommuneEntry[] {
    this.refreshIfChanged();
    return this.entries.map((e) => ({ ...e, herIds: [...e.herIds] }));
  }

  has(kommunenummer: string): boolean {
    this.refreshIfChanged();
    return this.entries.some((e) => e.kommunenummer === kommunenummer);
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
