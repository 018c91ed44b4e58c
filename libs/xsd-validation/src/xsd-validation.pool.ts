import { Worker } from 'node:worker_threads';
import { elementNamespace, isUndeclaredWildcardElement, toXsdIssue } from './xsd-issue-text.util';
import { nationalSchemaPath, schemaSetNamespaces, workerPath } from './national-schemas.constant';
import { XsdValidatorUnavailableException } from './xsd-validation.exception';
import type { RawXsdIssue, XsdVerdict } from './xsd-validation.model';

export interface XsdValidationPoolOptions {
  /** Worker threads, each with its own compiled schema set (default 1). */
  workers?: number;
  /** The wrapper schema; default schemas/xsd/hub/national-standards.xsd. */
  schemaPath?: string;
  /** The longest one validation may take before its worker is replaced (default 30 s). */
  timeoutMs?: number;
  /** How many findings a verdict keeps (default 10); the count covers all the worker reported. */
  maxIssues?: number;
  /** Track libxml2-wasm objects never disposed, for `undisposed()` (tests; costs a little per document). */
  diagnostics?: boolean;
}

interface WorkerResult {
  id: number;
  wellFormed?: boolean;
  valid?: boolean;
  issues?: RawXsdIssue[];
  failed?: string;
  undisposed?: Record<string, number>;
}

interface Pending {
  resolve: (result: WorkerResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  /** Set once the worker has compiled the schema set; a worker that dies before is not restarted (it would again). */
  started: boolean;
  ready: Promise<void>;
  pending: Map<number, Pending>;
}

/**
 * Validates business documents against the official XSDs in worker threads (libxml2-wasm), so the
 * CPU of parsing and validating stays off the event loop. Each worker compiles the schema set once,
 * when it starts. A worker that fails or hangs is replaced; its requests are rejected with
 * `XsdValidatorUnavailableException`. Workers are unref'd: an unclosed pool never keeps a process alive.
 */
export class XsdValidationPool {
  private readonly size: number;
  private readonly schemaPath: string;
  private readonly timeoutMs: number;
  private readonly maxIssues: number;
  private readonly diagnostics: boolean;
  private readonly namespaces: ReadonlySet<string>;
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  /** Milliseconds the first worker took to compile the schema set. */
  compileMs?: number;

  constructor(options: XsdValidationPoolOptions = {}) {
    this.size = Math.max(1, options.workers ?? 1);
    this.schemaPath = options.schemaPath ?? nationalSchemaPath();
    this.timeoutMs = options.timeoutMs ?? 30000;
    this.maxIssues = options.maxIssues ?? 10;
    this.diagnostics = options.diagnostics ?? false;
    this.namespaces = schemaSetNamespaces(this.schemaPath);
  }

  /** Starts the workers (if not yet) and resolves once each has compiled the schema set. */
  async start(): Promise<void> {
    if (this.closed) throw new XsdValidatorUnavailableException('XSD validation pool is closed');
    while (this.slots.length < this.size) this.slots.push(this.spawn());
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /** The verdict on one document (bytes as received). Rejects only with `XsdValidatorUnavailableException`. */
  async validate(bytes: Uint8Array): Promise<XsdVerdict> {
    if (this.closed) throw new XsdValidatorUnavailableException('XSD validation pool is closed');
    if (this.slots.length < this.size) void this.start().catch(() => undefined);
    const slot = this.slots.reduce((best, s) => (s.pending.size < best.pending.size ? s : best));
    await slot.ready;
    // A copy the worker owns: the caller keeps its buffer (intake still writes it to Kafka).
    const copy = new Uint8Array(bytes);
    const result = await this.send(slot, { bytes: copy }, [copy.buffer]);
    if (result.failed !== undefined) throw new XsdValidatorUnavailableException(`XSD validator failed: ${result.failed}`);
    return this.verdict(result);
  }

  /**
   * libxml2-wasm objects each worker created and never disposed, per class (needs `diagnostics`).
   * A worker holds exactly one on purpose: its compiled `XsdValidator`.
   */
  async undisposed(): Promise<Array<Record<string, number>>> {
    await this.start();
    return Promise.all(this.slots.map(async (slot) => (await this.send(slot, { type: 'undisposed' })).undisposed ?? {}));
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const slot of slots) this.failPending(slot, new XsdValidatorUnavailableException('XSD validation pool closed'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(workerPath(), { workerData: { schemaPath: this.schemaPath, diagnostics: this.diagnostics } });
    worker.unref();
    const pending = new Map<number, Pending>();
    const slot: Slot = { worker, pending, started: false, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onFirst = (message: { type?: string; compileMs?: number; message?: string }) => {
        if (message.type === 'ready') {
          this.compileMs ??= message.compileMs;
          slot.started = true;
          worker.off('message', onFirst);
          worker.on('message', (result: WorkerResult) => this.settle(slot, result));
          resolve();
        } else if (message.type === 'failed') {
          reject(new XsdValidatorUnavailableException(`XSD schema set could not be compiled: ${message.message}`));
        }
      };
      worker.on('message', onFirst);
      worker.once('error', (error) => reject(new XsdValidatorUnavailableException('XSD validation worker failed to start', { cause: error })));
    });
    slot.ready.catch(() => undefined); // observed by validate()/start()
    worker.on('error', (error) => this.replace(slot, new XsdValidatorUnavailableException('XSD validation worker failed', { cause: error })));
    worker.on('exit', () => this.replace(slot, new XsdValidatorUnavailableException('XSD validation worker exited')));
    return slot;
  }

  /** Rejects what the slot had in flight and puts a fresh worker in its place. */
  private replace(slot: Slot, error: Error): void {
    this.failPending(slot, error);
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    void slot.worker.terminate();
    if (this.closed) {
      this.slots.splice(index, 1);
      return;
    }
    if (!slot.started) return; // validate() keeps answering with the rejected `ready`
    this.slots[index] = this.spawn();
  }

  private failPending(slot: Slot, error: Error): void {
    for (const [id, p] of slot.pending) {
      clearTimeout(p.timer);
      slot.pending.delete(id);
      p.reject(error);
    }
  }

  private send(slot: Slot, request: { bytes?: Uint8Array; type?: string }, transfer: ArrayBuffer[] = []): Promise<WorkerResult> {
    const id = this.nextId++;
    return new Promise<WorkerResult>((resolve, reject) => {
      const timer = setTimeout(
        () => this.replace(slot, new XsdValidatorUnavailableException(`XSD validation took longer than ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      slot.pending.set(id, { resolve, reject, timer });
      slot.worker.postMessage({ id, ...request }, transfer);
    });
  }

  private settle(slot: Slot, result: WorkerResult): void {
    const p = slot.pending.get(result.id);
    if (!p) return;
    slot.pending.delete(result.id);
    clearTimeout(p.timer);
    p.resolve(result);
  }

  private verdict(result: WorkerResult): XsdVerdict {
    const raw = result.issues ?? [];
    if (result.wellFormed === false) return { outcome: 'notWellFormed', issues: raw.slice(0, this.maxIssues).map(toXsdIssue), issueCount: raw.length };
    if (result.valid) return { outcome: 'valid', unknownPayloadNamespaces: [] };
    // A MsgHead payload in a namespace no carried schema declares (standard OTHER) fails MsgHead's
    // strict Content; when that is the only finding, the rest of the document has validated.
    const unknown = raw.filter((i) => isUndeclaredWildcardElement(i.message) && !this.namespaces.has(elementNamespace(i.message) ?? ''));
    if (unknown.length === raw.length && raw.length > 0) {
      return { outcome: 'valid', unknownPayloadNamespaces: [...new Set(unknown.map((i) => elementNamespace(i.message) ?? ''))] };
    }
    const findings = raw.filter((i) => !unknown.includes(i));
    return { outcome: 'invalid', issues: findings.slice(0, this.maxIssues).map(toXsdIssue), issueCount: findings.length };
  }
}
