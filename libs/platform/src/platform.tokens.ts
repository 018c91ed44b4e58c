/** Injection tokens for things that are interfaces, not classes. */
export const HUB_CONFIG = 'HUB_CONFIG';
export const KAFKA_PORT = 'KAFKA_PORT';
