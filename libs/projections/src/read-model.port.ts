import type { DocumentEvent } from '@hub/contracts';

/**
 * What the read-model projector needs from storage, inside one transaction (ReadModelTx below).
 * The PostgreSQL implementation lives in libs/persistence; unit tests use an in-memory one.
 *
 * A stored version as the document-chain rules read it: its place, status and order, not its
 * content. The content (facts, sender) is written with the version (NewVersion) and read back by
 * the read APIs, never by the projector, so storage need not load it to answer these reads.
 */
export interface StoredVersion {
  msgId: string;
  eventType: string;
  msgType: string;
  status: string | null;
  refToParent: string | null;
  docKey: string | null;
  chainDepth: number | null;
  patient: string | null;
  genDate: string;
}

export interface VersionFacts {
  services: DocumentEvent['services'];
  serviceNeeds: DocumentEvent['serviceNeeds'];
  diagnoses: DocumentEvent['diagnoses'];
  patientEvents: DocumentEvent['patientEvents'];
}

export interface NewVersion extends StoredVersion {
  senderName: string | null;
  senderHerIds: string[];
  facts: VersionFacts;
  eventId: string;
  standard: string;
  standardVersion: string;
  explicitDocId: string | null;
  refToConversation: string | null;
  recordedAt: number;
  source: { topic: string; partition: number; offset: string };
}

export interface DocumentState {
  docKey: string;
  msgType: string;
  patient: string | null;
  state: 'ACTIVE' | 'CANCELLED' | 'PENDING';
  currentMsgId: string | null;
  versionCount: number;
}

export interface ReadModelTx {
  /**
   * Optional: loads in advance what applying these events will read, so an implementation that
   * answers reads from memory pays one round trip per batch instead of one per first read.
   */
  prefetch?(events: DocumentEvent[]): Promise<void>;
  /**
   * Inserts or, on replay, refreshes a version (never touching its resolved doc key), and
   * returns where the version already belongs (docKey null while unplaced).
   */
  upsertVersion(kommunenummer: string, version: NewVersion): Promise<{ docKey: string | null; chainDepth: number | null }>;
  getVersion(kommunenummer: string, msgId: string): Promise<StoredVersion | undefined>;
  /** Versions still waiting for their parent `parentMsgId`. */
  pendingChildren(kommunenummer: string, parentMsgId: string): Promise<StoredVersion[]>;
  setDocKey(kommunenummer: string, msgId: string, docKey: string, chainDepth: number): Promise<void>;
  versionsOfDocument(kommunenummer: string, docKey: string): Promise<StoredVersion[]>;
  saveDocument(kommunenummer: string, document: DocumentState): Promise<void>;
  /**
   * The version whose facts a document shows (or none), retracted or not: its facts are the ones
   * stored with it by upsertVersion. Storage that derives a document's facts from the document
   * row (current version and state), as the PostgreSQL read model's fact views do, has nothing
   * to write here.
   */
  replaceFacts(kommunenummer: string, docKey: string, version: StoredVersion | undefined, retracted: boolean): Promise<void>;
  upsertPatient(kommunenummer: string, patient: NonNullable<DocumentEvent['patient']>, genDate: string): Promise<void>;
  /** The partition's next offset, with the Kafka topic id it belongs to (libs/persistence stored-offsets). */
  saveOffset(topic: string, partition: number, nextOffset: string, topicId?: string): Promise<void>;
}
