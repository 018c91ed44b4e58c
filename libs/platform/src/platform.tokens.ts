/** Injection tokens for things that are interfaces, not classes. */
export const HUB_CONFIG = 'HUB_CONFIG';
export const KAFKA_PORT = 'KAFKA_PORT';
/** The configuration bootstrapHttpApp parsed before Nest started; PlatformModule hands it on as HUB_CONFIG. */
export const BOOT_CONFIG = 'BOOT_CONFIG';
/**
 * The process's app name as bootstrapHttpApp was given it ('intake', 'hub', ...): its PostgreSQL
 * connections carry it (application_name `hendelseslager-<app>`), so pg_stat_activity and the
 * server's logs tell which app a connection and its load belong to.
 */
export const BOOT_APP_NAME = 'BOOT_APP_NAME';
