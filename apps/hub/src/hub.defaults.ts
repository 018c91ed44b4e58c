/**
 * Settings the all-in-one hub defaults to differently from the hub-wide defaults (the environment
 * still wins): its main.ts starts with them, and the tests' hub harness applies them too, so the
 * tests run the hub users get.
 *
 * KAFKA_CLIENT: @platformatic/kafka, as intake, normalizer, projector and read-api. The hub side by
 * side with kafkajs (bench/configurations.mjs, BENCH_HUB=1, 2 rounds): 0.70× the CPU per message,
 * 1.23× the intake → queryable rate, 0.80× the saturated p99 (bench/RESULTS.md, 2026-12-07
 * session 21). The notifier's own process keeps kafkajs (see apps/notifier/src/main.ts).
 */
export const HUB_DEFAULTS: Readonly<Record<string, string>> = { KAFKA_CLIENT: 'platformatic' };
