import { Injectable } from '@nestjs/common';
import { KommuneDirectory } from '@hub/directory';
import { HubMetrics } from '@hub/observability';

/**
 * Which kommuner of the directory have their Kafka topics, as far as this process's
 * TopicProvisioner knows. Readiness reports the others by kommunenummer (never anything else
 * about them), and the `hendelseslager_kommuner_unprovisioned` gauge counts them. A process
 * without a provisioner (a normalizer or projector alone) does not track, and readiness then
 * has no topic check.
 */
@Injectable()
export class ProvisioningStatus {
  private readonly provisioned = new Set<string>();
  private tracking = false;

  constructor(private readonly directory: KommuneDirectory, private readonly metrics: HubMetrics) {}

  /** Called by this process's provisioner: from now on readiness includes the topic check. */
  track(): void {
    this.tracking = true;
  }

  get tracked(): boolean {
    return this.tracking;
  }

  has(kommunenummer: string): boolean {
    return this.provisioned.has(kommunenummer);
  }

  markProvisioned(kommuner: Iterable<string>): void {
    for (const k of kommuner) this.provisioned.add(k);
    this.unprovisioned();
  }

  /** Kommuner in the directory now without topics, in directory order; also updates the gauge. */
  unprovisioned(): string[] {
    const missing = this.directory
      .list()
      .map((k) => k.kommunenummer)
      .filter((k) => !this.provisioned.has(k));
    this.metrics.unprovisionedKommuner.set(missing.length);
    return missing;
  }
}
