import Ajv, { type ValidateFunction } from 'ajv';

/** One Ajv instance: compiling is expensive, so validators are cached per schema object. */
const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new WeakMap<object, ValidateFunction>();

/** Compiles (once) the JSON Schema of a trigger. Throws when the schema is invalid. */
export function compilePayloadSchema(schema: object): ValidateFunction {
  const cached = validators.get(schema);
  if (cached) return cached;
  const validate = ajv.compile(schema);
  validators.set(schema, validate);
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
