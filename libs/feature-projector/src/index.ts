export * from './projector.module';
export * from './read-model-projector.service';
