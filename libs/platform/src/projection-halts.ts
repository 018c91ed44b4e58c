import type { StoredOffsetCheck, StoredOffsetProblem } from '@hub/kafka';

/** One kommune topic a projection has stopped consuming, and why (libs/kafka `checkStoredOffsets`). */
export interface ProjectionHalt {
  projection: string;
  kommunenummer: string;
  topic: string;
  problem: StoredOffsetProblem;
  /** The partitions found with the problem, with the stored and the current state. */
  partitions: Array<{ partition: number; storedOffset: string; storedTopicId: string | null; topicId: string }>;
  since: string;
}

/**
 * The projections' halted kommune topics in this process: set and cleared by the projection
 * consumers (PatternConsumerRunner), read by readiness (`checks.projections`) and the
 * `hendelseslager_projection_halted` gauge. Only kommunenummer, topic names, offsets and ids.
 */
export class ProjectionHalts {
  private readonly halts = new Map<string, ProjectionHalt>();

  halt(projection: string, checks: StoredOffsetCheck[], kommunenummer: string): ProjectionHalt | undefined {
    const bad = checks.filter((c) => c.problem);
    if (bad.length === 0) return undefined;
    const topic = bad[0].topic;
    const halt: ProjectionHalt = {
      projection,
      kommunenummer,
      topic,
      problem: bad.some((c) => c.problem === 'topic-replaced') ? 'topic-replaced' : 'beyond-log-end',
      partitions: bad.map((c) => ({ partition: c.partition, storedOffset: c.stored?.offset ?? c.offset, storedTopicId: c.stored?.topicId ?? null, topicId: c.topicId })),
      since: this.halts.get(`${projection}|${topic}`)?.since ?? new Date().toISOString(),
    };
    this.halts.set(`${projection}|${topic}`, halt);
    return halt;
  }

  clear(projection: string, topic: string): boolean {
    return this.halts.delete(`${projection}|${topic}`);
  }

  isHalted(projection: string, topic: string): boolean {
    return this.halts.has(`${projection}|${topic}`);
  }

  topics(projection: string): string[] {
    return this.list().filter((h) => h.projection === projection).map((h) => h.topic);
  }

  list(): ProjectionHalt[] {
    return [...this.halts.values()].sort((a, b) => `${a.kommunenummer}|${a.projection}`.localeCompare(`${b.kommunenummer}|${b.projection}`));
  }
}

/** This process's halts (one set of projection consumers per process). */
export const projectionHalts = new ProjectionHalts();
