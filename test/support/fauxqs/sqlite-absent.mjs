/**
 * Module resolve hook for the fauxqs emulator on Node 20: fauxqs imports
 * `node:sqlite` (Node 22.5+) at load, only for its optional on-disk
 * persistence, which the tests never use. The stand-in loads and fails only
 * if persistence is ever asked for.
 */
const ABSENT_SQLITE =
  'data:text/javascript,export class DatabaseSync { constructor() { throw new Error("fauxqs persistence needs node:sqlite (Node 22.5+)"); } }';

export async function resolve(specifier, context, next) {
  if (specifier === 'node:sqlite') return { url: ABSENT_SQLITE, shortCircuit: true };
  return next(specifier, context);
}
