import type { DocumentEvent } from '@hub/contracts';
import { documentOutcome, explicitDocumentKey, ownDocumentKey } from './document-chain';
import type { NewVersion, ReadModelTx } from './read-model.port';

export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

/** The events of one partition batch still to apply, and where the partition stands. */
export interface PartitionEvents {
  topic: string;
  partition: number;
  /** The next offset this generation had stored for the partition before the batch. */
  storedNext: bigint;
  /** The batch's last offset (the records already applied or undecodable included). */
  last: string;
  /** The batch's events at or after `storedNext`, in offset order. */
  events: Array<{ offset: string; event: DocumentEvent }>;
  /** The Kafka topic id the batch was read from, stored with the offset. */
  topicId?: string;
}

/**
 * Applies document events to the clinical read model (services, needs, diagnoses, patient
 * events, patients). Idempotent: applying an event again (a duplicate, a redelivery after a
 * crash, or a replay with corrected mapping) leaves the same rows. See document-chain.ts for
 * the N / M / C rules.
 */
export class ReadModelProjector {
  /**
   * Applies partition batches inside one transaction of the port: every event in offset order,
   * then each partition's next offset. The caller commits rows and offsets together, so a crash
   * re-reads exactly what was not committed. An offset never moves back: a rebuilt generation
   * may already be ahead of the consumer that hands it a batch.
   */
  async applyBatches(tx: ReadModelTx, batches: PartitionEvents[]): Promise<void> {
    await tx.prefetch?.(batches.flatMap((b) => b.events.map((e) => e.event)));
    for (const batch of batches) {
      for (const { offset, event } of batch.events) await this.apply(tx, event, { topic: batch.topic, partition: batch.partition, offset });
      const next = BigInt(batch.last) + 1n;
      if (next > batch.storedNext) await tx.saveOffset(batch.topic, batch.partition, next.toString(), batch.topicId);
    }
  }

  async apply(tx: ReadModelTx, event: DocumentEvent, source: SourcePosition): Promise<void> {
    const knr = event.envelope.kommunenummer;
    const doc = event.document;
    const version: NewVersion = {
      msgId: doc.msgId,
      eventId: event.envelope.eventId,
      eventType: event.envelope.eventType,
      msgType: doc.msgType,
      standard: doc.standard,
      standardVersion: doc.standardVersion,
      status: doc.status,
      explicitDocId: doc.explicitDocumentId,
      refToParent: doc.refToParent,
      refToConversation: doc.refToConversation,
      docKey: null,
      chainDepth: null,
      patient: event.patient?.pseudonym ?? null,
      genDate: doc.genDate,
      recordedAt: event.envelope.recordedAt,
      senderName: doc.senderName,
      senderHerIds: doc.senderHerIds,
      facts: {
        services: event.services,
        serviceNeeds: event.serviceNeeds,
        diagnoses: event.diagnoses,
        patientEvents: event.patientEvents,
      },
      source,
    };
    const existing = await tx.upsertVersion(knr, version);
    if (event.patient) await tx.upsertPatient(knr, event.patient, doc.genDate);

    const affected = new Set<string>();
    if (existing.docKey) {
      // Already placed (duplicate or replay): only its content may have changed.
      affected.add(existing.docKey);
    } else {
      const placement = await this.place(tx, knr, event);
      if (placement) {
        await tx.setDocKey(knr, doc.msgId, placement.docKey, placement.depth);
        affected.add(placement.docKey);
        await this.adoptPendingChildren(tx, knr, doc.msgId, placement.docKey, placement.depth, affected);
      }
    }
    for (const docKey of affected) await this.recompute(tx, knr, docKey);
  }

  /** Where a version belongs, or undefined while its parent is unknown (parked). */
  private async place(tx: ReadModelTx, knr: string, event: DocumentEvent): Promise<{ docKey: string; depth: number } | undefined> {
    const doc = event.document;
    const type = event.envelope.eventType;
    if (type === 'NOT_PROJECTED' || type === 'APPREC_RECEIVED' || doc.status === 'H') {
      return { docKey: ownDocumentKey(doc.msgId), depth: 0 };
    }
    const explicit = explicitDocumentKey(doc);
    if (explicit) return { docKey: explicit, depth: doc.status === 'N' ? 0 : 1 };
    if (doc.status === null || doc.status === 'N') return { docKey: ownDocumentKey(doc.msgId), depth: 0 };
    if (!doc.refToParent) {
      // A change without a reference cannot be linked; it stands alone and is visible for review.
      return { docKey: ownDocumentKey(doc.msgId), depth: 0 };
    }
    const parent = await tx.getVersion(knr, doc.refToParent);
    if (parent?.docKey) return { docKey: parent.docKey, depth: (parent.chainDepth ?? 0) + 1 };
    return undefined;
  }

  private async adoptPendingChildren(tx: ReadModelTx, knr: string, msgId: string, docKey: string, depth: number, affected: Set<string>): Promise<void> {
    const queue: Array<{ msgId: string; depth: number }> = [{ msgId, depth }];
    while (queue.length > 0) {
      const parent = queue.shift()!;
      for (const child of await tx.pendingChildren(knr, parent.msgId)) {
        await tx.setDocKey(knr, child.msgId, docKey, parent.depth + 1);
        affected.add(docKey);
        queue.push({ msgId: child.msgId, depth: parent.depth + 1 });
      }
    }
  }

  private async recompute(tx: ReadModelTx, knr: string, docKey: string): Promise<void> {
    const versions = await tx.versionsOfDocument(knr, docKey);
    const { cancelled, current } = documentOutcome(versions);
    const first = versions[0];
    await tx.saveDocument(knr, {
      docKey,
      msgType: current?.msgType ?? first?.msgType ?? 'UNKNOWN',
      patient: current?.patient ?? first?.patient ?? null,
      state: cancelled ? 'CANCELLED' : current ? 'ACTIVE' : 'PENDING',
      currentMsgId: current?.msgId ?? null,
      versionCount: versions.length,
    });
    // The PostgreSQL read model derives the same from the document row (its fact views,
    // libs/persistence read-model.schema.ts readModelFactViewDdl): keep the two in step.
    const projectable = current && current.patient && current.eventType !== 'NOT_PROJECTED' && current.eventType !== 'APPREC_RECEIVED';
    await tx.replaceFacts(knr, docKey, projectable ? current : undefined, cancelled);
  }
}
