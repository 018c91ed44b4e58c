/** Injection tokens for things that are interfaces, not classes. */
export const HUB_CONFIG = 'HUB_CONFIG';
export const KAFKA_PORT = 'KAFKA_PORT';
/** The configuration bootstrapHttpApp parsed before Nest started; PlatformModule hands it on as HUB_CONFIG. */
export const BOOT_CONFIG = 'BOOT_CONFIG';
