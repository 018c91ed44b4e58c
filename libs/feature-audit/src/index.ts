export * from './audit.module';
export * from './audit.exception';
export * from './audit-projector.service';
export * from './patient-access.service';
