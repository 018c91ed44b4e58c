import type { DocumentEvent } from '@hub/contracts';
import type { DocumentState, NewVersion, ReadModelTx, StoredVersion } from './read-model.port';

/** In-memory ReadModelTx for unit tests of the projection rules (no database). */
export class InMemoryReadModel implements ReadModelTx {
  readonly versions = new Map<string, NewVersion>();
  readonly documents = new Map<string, DocumentState>();
  readonly facts = new Map<string, { version: NewVersion | undefined; retracted: boolean }>();
  readonly patients = new Map<string, DocumentEvent['patient']>();
  readonly offsets = new Map<string, string>();

  async upsertVersion(knr: string, version: NewVersion): Promise<{ docKey: string | null; chainDepth: number | null }> {
    const key = `${knr}|${version.msgId}`;
    const existing = this.versions.get(key);
    const stored = existing ? { ...version, docKey: existing.docKey, chainDepth: existing.chainDepth } : { ...version };
    this.versions.set(key, stored);
    return { docKey: stored.docKey, chainDepth: stored.chainDepth };
  }
  async getVersion(knr: string, msgId: string): Promise<StoredVersion | undefined> {
    return this.versions.get(`${knr}|${msgId}`);
  }
  async pendingChildren(knr: string, parentMsgId: string): Promise<StoredVersion[]> {
    return [...this.versions.entries()]
      .filter(([k, v]) => k.startsWith(`${knr}|`) && v.docKey === null && v.refToParent === parentMsgId)
      .map(([, v]) => v);
  }
  async setDocKey(knr: string, msgId: string, docKey: string, chainDepth: number): Promise<void> {
    const v = this.versions.get(`${knr}|${msgId}`)!;
    v.docKey = docKey;
    v.chainDepth = chainDepth;
  }
  async versionsOfDocument(knr: string, docKey: string): Promise<StoredVersion[]> {
    return [...this.versions.entries()].filter(([k, v]) => k.startsWith(`${knr}|`) && v.docKey === docKey).map(([, v]) => v);
  }
  async saveDocument(knr: string, document: DocumentState): Promise<void> {
    this.documents.set(`${knr}|${document.docKey}`, { ...document });
  }
  async replaceFacts(knr: string, docKey: string, version: StoredVersion | undefined, retracted: boolean): Promise<void> {
    // The rules pass the version as they read it (StoredVersion); its facts are those upsertVersion stored.
    this.facts.set(`${knr}|${docKey}`, { version: version && this.versions.get(`${knr}|${version.msgId}`), retracted });
  }
  async upsertPatient(knr: string, patient: NonNullable<DocumentEvent['patient']>): Promise<void> {
    this.patients.set(`${knr}|${patient.pseudonym}`, patient);
  }
  async saveOffset(topic: string, partition: number, nextOffset: string): Promise<void> {
    this.offsets.set(`${topic}|${partition}`, nextOffset);
  }

  /** Visible (non-retracted) service IPLOS codes per document, for assertions. */
  visibleServiceCodes(knr: string): string[] {
    return [...this.facts.entries()]
      .filter(([k, f]) => k.startsWith(`${knr}|`) && f.version && !f.retracted)
      .flatMap(([, f]) => f.version!.facts.services.map((s) => `${s.iplosCode}:${s.amount}`))
      .sort();
  }
}
