import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { GUARDS_METADATA, MODULE_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { AuthGuard, HttpEdgeGuard, purposeOfUseParam, TIMED_ROUTE } from '@hub/platform';
import { HubModule } from './hub.module';

type ModuleRef = Type<unknown> | DynamicModule;

/** Every controller the hub serves, found through its modules' imports as Nest finds them. */
function controllersOf(module: ModuleRef, seen = new Set<unknown>()): Array<Type<unknown>> {
  const type = 'module' in module ? module.module : module;
  if (seen.has(module)) return [];
  seen.add(module);
  const dynamic = 'module' in module ? module : undefined;
  const controllers: Array<Type<unknown>> = [...(Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) ?? []), ...(dynamic?.controllers ?? [])];
  const imports: ModuleRef[] = [...(Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) ?? []), ...(dynamic?.imports ?? [])].filter((m) => m && (typeof m === 'function' || 'module' in m));
  return [...controllers, ...imports.flatMap((m) => controllersOf(m, seen))];
}

const guardsOf = (target: object): unknown[] => Reflect.getMetadata(GUARDS_METADATA, target) ?? [];
const methodsOf = (controller: Type<unknown>) => Object.getOwnPropertyNames(controller.prototype).filter((name) => name !== 'constructor' && typeof (controller.prototype as Record<string, unknown>)[name] === 'function');
const handlersOf = (controller: Type<unknown>) => methodsOf(controller).map((name) => (controller.prototype as Record<string, object>)[name]);
/** Whether a handler of the controller takes `@PurposeOfUse()` (Nest keeps a custom parameter's factory in its route arguments). */
const takesPurposeOfUse = (controller: Type<unknown>) =>
  methodsOf(controller).some((name) =>
    Object.values<{ factory?: unknown }>(Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}).some((arg) => arg.factory === purposeOfUseParam),
  );

/**
 * HttpEdgeGuard must run after a controller's other class-level guards (AuthGuard first), or
 * refused requests would be timed and the purpose refusal recorded without the client. Nest
 * runs class-level guards in the order of GUARDS_METADATA, which the decorators fill bottom-up:
 * `@EdgeGuards(...)` appends the edge guard to its list, and a further `@UseGuards` listed above
 * it would run after the edge guard. This walk finds that, and a controller left without one.
 */
describe('the HTTP edge guard on the hub controllers', () => {
  const controllers = [...new Set(controllersOf(HubModule))];

  it('finds the controllers of every feature', () => {
    expect(controllers.map((c) => c.name)).toEqual(expect.arrayContaining(['FhirController', 'MessagesController', 'AccessLogController', 'WebSessionReadsController']));
  });

  it.each(controllers.filter((c) => guardsOf(c).includes(HttpEdgeGuard)).map((c) => [c.name, c] as const))('%s: HttpEdgeGuard is the last class-level guard', (_name, controller) => {
    const guards = guardsOf(controller);
    expect(guards[guards.length - 1]).toBe(HttpEdgeGuard);
    expect(guards.filter((g) => g === HttpEdgeGuard)).toHaveLength(1);
    if (guards.includes(AuthGuard)) expect(guards.indexOf(AuthGuard)).toBeLessThan(guards.indexOf(HttpEdgeGuard));
  });

  it('every controller with a @PurposeOfUse() handler has HttpEdgeGuard (else its 403s go unrecorded)', () => {
    const takers = controllers.filter(takesPurposeOfUse);
    expect(takers.map((c) => c.name)).toEqual(expect.arrayContaining(['FhirController', 'PatientOverviewController', 'SubscriptionController', 'AccessLogController']));
    expect(takers.filter((c) => !guardsOf(c).includes(HttpEdgeGuard)).map((c) => c.name)).toEqual([]);
  });

  it('every controller with a @Timed handler has HttpEdgeGuard (else its reads go untimed)', () => {
    const untimed = controllers.filter((c) => handlersOf(c).some((h) => Reflect.getMetadata(TIMED_ROUTE, h) !== undefined) && !guardsOf(c).includes(HttpEdgeGuard));
    expect(untimed.map((c) => c.name)).toEqual([]);
  });
});
