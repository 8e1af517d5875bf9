import Ajv, { type ValidateFunction } from 'ajv';

/**
 * Compiled validators keyed by the schema's JSON text, so re-loading the same
 * flow version does not recompile. Each schema gets its own Ajv instance:
 * Ajv keeps every schema it compiled and refuses a second schema with the
 * same `$id`, which a later flow version may well reuse. Bounded (oldest
 * evicted first) so distinct schemas cannot grow memory without limit.
 */
const validators = new Map<string, ValidateFunction>();
const CACHE_LIMIT = 500;

/** Compiles (once per distinct schema) the JSON Schema of a trigger. Throws when the schema is invalid. */
export function compilePayloadSchema(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = validators.get(key);
  if (cached) return cached;
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  if (validators.size >= CACHE_LIMIT) {
    const oldest = validators.keys().next();
    if (!oldest.done) validators.delete(oldest.value);
  }
  validators.set(key, validate);
  return validate;
}

/** Problem with a trigger's `schema` value, or undefined when it compiles. */
export function checkPayloadSchema(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'schema must be a JSON Schema object';
  try {
    compilePayloadSchema(schema);
    return undefined;
  } catch (error) {
    return `schema is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Validates `payload` against `schema`. @returns readable problems, empty when valid. */
export function payloadProblems(schema: object, payload: unknown): string[] {
  const validate = compilePayloadSchema(schema);
  if (validate(payload)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(payload)'} ${error.message ?? 'is invalid'}`);
}
