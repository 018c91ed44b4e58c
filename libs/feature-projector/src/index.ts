export * from './projector.module';
export * from './read-model-projector.service';
export * from './raw-archive-projector.service';
