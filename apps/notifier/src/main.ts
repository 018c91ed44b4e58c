import { bootstrapHttpApp } from '@hub/platform';
import { NotifierAppModule } from './notifier-app.module';

// Run alone, the notifier serves only health and metrics; set PORT per process.
// It keeps the hub-wide Kafka client (kafkajs). With @platformatic/kafka it took 0.86× the CPU per
// message, but it numbered events sooner than the projector stored them, so more notifications
// waited for the read model's 100 ms retry: median latency 44 and 114 ms against 24 and 26
// (bench/notification-latency.mjs, bench/RESULTS.md 2026-12-07 session 21).
void bootstrapHttpApp(NotifierAppModule, { name: 'notifier' });
