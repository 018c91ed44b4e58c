import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { mintDevToken } from '@hub/auth';
import { BuildMessageOptions, buildMessage, createRng, DEFAULT_PARTIES, randomMessage } from '@hub/testing';
import { cliConfig } from '../cli-config';
import { CliError, output } from '../cli-error';
import { ProgressBar } from '../progress-bar';

/**
 * A demo patient's story in Alvdal: decided services, an admission with diagnoses, discharge,
 * and a change and a cancellation, so every part of the overview has something to show.
 */
function storyMessages(): BuildMessageOptions[] {
  const patient = { familyName: 'Danser', givenName: 'Line', birthDate: '1969-11-13', sex: '2' as const, fnr: '13116900216' };
  const kommune = DEFAULT_PARTIES.kommune;
  const orientering = randomUUID();
  const innleggelse = randomUUID();
  const innleggelseEndring = randomUUID();
  const cancelled = randomUUID();
  return [
    {
      kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'N', msgId: orientering, genDate: '2024-05-02T09:12:00', sender: kommune, receiver: DEFAULT_PARTIES.gp, patient,
      services: [
        { iplosCode: '15', description: 'Hjemmesykepleie, medisinhåndtering', amount: '3', unit: 'timer hver uke', startDate: '2024-04-15' },
        { iplosCode: '6', amount: '1', unit: 'stk', startDate: '2023-01-10' },
        { iplosCode: '5', amount: '0.5', unit: 'time hver dag', startDate: '2023-01-10', endDate: '2024-03-31' },
      ],
    },
    { kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'N', msgId: cancelled, genDate: '2024-05-03T10:00:00', sender: kommune, receiver: DEFAULT_PARTIES.gp, patient, services: [{ iplosCode: '21', startDate: '2024-05-01' }] },
    { kind: 'ORIENTERING_TJENESTETILBUD', version: '1.6', status: 'C', genDate: '2024-05-03T10:30:00', refToParent: cancelled, sender: kommune, receiver: DEFAULT_PARTIES.gp, patient, services: [{ iplosCode: '21', startDate: '2024-05-01' }] },
    { kind: 'INNLEGGELSESRAPPORT', version: '1.6', status: 'N', msgId: innleggelse, genDate: '2024-06-10T14:00:00', sender: kommune, receiver: DEFAULT_PARTIES.hospital, patient, diagnoses: [{ system: 'ICD10', code: 'I50', text: 'Hjertesvikt' }] },
    {
      kind: 'INNLEGGELSESRAPPORT', version: '1.6', status: 'M', msgId: innleggelseEndring, genDate: '2024-06-10T15:00:00', refToParent: innleggelse, sender: kommune, receiver: DEFAULT_PARTIES.hospital, patient,
      diagnoses: [{ system: 'ICD10', code: 'I509', text: 'Uspesifisert hjertesvikt', isMain: true }, { system: 'ICPC2', code: 'T90', text: 'Diabetes type 2' }],
    },
    { kind: 'LOG_INNLAGT', version: '1.6', status: 'N', genDate: '2024-06-10T16:00:00', sender: DEFAULT_PARTIES.hospital, receiver: kommune, patient, events: [{ code: '1', time: '2024-06-10T13:40:00' }] },
    { kind: 'LOG_UTSKREVET', version: '1.6', status: 'N', genDate: '2024-06-18T11:00:00', sender: DEFAULT_PARTIES.hospital, receiver: kommune, patient, events: [{ code: '2', time: '2024-06-18T10:30:00' }] },
    {
      kind: 'UTSKRIVNINGSRAPPORT', version: '1.6', status: 'N', genDate: '2024-06-18T12:00:00', sender: DEFAULT_PARTIES.hospital, receiver: kommune, patient,
      diagnoses: [{ system: 'ICD10', code: 'I509', text: 'Uspesifisert hjertesvikt' }, { system: 'ICD10', code: 'J189', text: 'Pneumoni' }],
      serviceNeeds: [{ iplosCode: '15', description: 'Økt hjemmesykepleie etter utskrivning' }],
    },
  ];
}

export function registerDemoCommands(program: Command): void {
  const demo = program.command('demo').description('Demo data for a local hub');
  demo
    .command('load')
    .description('Push a demo load of realistic e-meldinger (the project\'s message builder) to a running hub')
    .option('--url <url>', 'hub base URL', 'http://127.0.0.1:3000')
    .option('--count <n>', 'random messages in addition to the demo patient\'s story', '300')
    .option('--seed <n>', 'random seed (the same seed gives the same messages)', '42')
    .option('--concurrency <n>', 'parallel requests', '8')
    .action(async (options: { url: string; count: string; seed: string; concurrency: string }) => {
      const config = cliConfig();
      if (!config.auth.devIssuer.enabled) throw new CliError('demo load uses the development issuer; set HENDELSESLAGER_DEV_ISSUER=true');
      const token = await mintDevToken(config.auth.devIssuer.keyFile, { client: 'demo-gateway', scopes: ['messages:write'], kommuner: ['*'], audience: config.auth.audience });
      const rng = createRng(Number(options.seed));
      const bodies: Buffer[] = storyMessages().map((m) => buildMessage(m));
      for (let i = 0; i < Number(options.count); i++) bodies.push(randomMessage(rng).bytes);
      const counts: Record<string, number> = {};
      const bar = new ProgressBar('messages', bodies.length, !program.opts().json);
      let next = 0;
      const worker = async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          const response = await fetch(`${options.url}/v1/messages`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/xml' },
            body,
          });
          await response.arrayBuffer();
          const outcome = response.headers.get('x-intake-outcome') ?? `HTTP ${response.status}`;
          counts[outcome] = (counts[outcome] ?? 0) + 1;
          bar.tick();
        }
      };
      await Promise.all(Array.from({ length: Number(options.concurrency) }, worker));
      bar.done();
      output(program.opts().json, counts, () => Object.entries(counts).map(([k, v]) => `  ${k}: ${v}`).join('\n'));
    });
}
