export * from './normalizer.module';
export * from './normalizer.service';
