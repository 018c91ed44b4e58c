/**
 * @hub/testing: test-only helpers. Never import this from production code.
 * - the project's own e-melding builder (the corpus may not be copied into the project);
 * - valid Norwegian test identifiers;
 * - a seeded random message mix for benchmarks;
 * - XSD validation of generated XML against the national schemas with xmllint;
 * - small document events for read-model tests, raw records around a message's bytes.
 */
export * from './message-builder/message-builder.constant';
export * from './message-builder/message-builder.model';
export * from './message-builder/identifier.util';
export * from './message-builder/build-message.util';
export * from './message-builder/random-message.util';
export * from './xsd/xsd-validation.util';
export * from './document-event/document-event.builder';
export * from './raw-message/raw-message.builder';
