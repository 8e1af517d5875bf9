/**
 * What the logs must never carry, and how log fields are cleaned before they
 * are written. Pure functions over plain data; create-logger.ts wires them
 * into pino.
 *
 * Why not only pino's `redact` paths: its wildcards match one level and its
 * keys are case-sensitive, while headers arrive as `Authorization`,
 * `authorization` or `AUTHORIZATION` at any depth. The walk here matches
 * names in any case and spelling (`api_key`, `apiKey`, `x-api-key`), cleans
 * URLs wherever they appear, replaces known secret values outright, and
 * reduces errors to what identifies them.
 */

/** Replaces a secret in the log. */
export const REDACTED = '[Redacted]';

/** Field names (compared lower-case, without `-` and `_`) whose values are never logged. */
const SECRET_FIELDS = new Set([
  'authorization', 'proxyauthorization', 'cookie', 'setcookie', 'password', 'passwd', 'pwd', 'passphrase',
  'token', 'accesstoken', 'refreshtoken', 'idtoken', 'sessiontoken', 'bearer', 'secret', 'secrets', 'clientsecret',
  'apikey', 'apikeys', 'xapikey', 'sluiceapikeys', 'privatekey', 'credentials', 'signature',
]);

/** Query parameter names (compared the same way) whose values are never logged. */
const SECRET_PARAMETERS = new Set([
  ...SECRET_FIELDS, 'key', 'code', 'sig', 'auth', 'jwt', 'session', 'sessionid', 'pass',
  'xamzsignature', 'xamzcredential', 'xamzsecuritytoken', 'xgoogsignature', 'xgoogcredential',
]);

/** Error fields that identify a failure without carrying data: codes and schema names, never values. */
const ERROR_FIELDS = ['code', 'errno', 'syscall', 'severity', 'table', 'constraint', 'column', 'schema', 'dataType', 'routine', 'status', 'statusCode', 'kind', 'nodeId', 'runId'];

/** Deepest nesting the walk follows; deeper values are replaced. */
const MAX_DEPTH = 8;
/** Longest error message or stack kept, in characters. */
const MAX_ERROR_TEXT = 2000;
/** Shortest known secret value replaced wherever it appears, in characters; shorter ones would garble every line. */
const MIN_SECRET_VALUE = 6;

const normalise = (name: string): string => name.toLowerCase().replace(/[-_]/g, '');

/** True for a field name whose value is a secret, such as `Authorization`, `set-cookie` or `apiKey`. */
export function isSecretField(name: string): boolean {
  const key = normalise(name);
  return SECRET_FIELDS.has(key) || key.startsWith('sluicesecret');
}

const USERINFO = /(\/\/[^/?#@\s:]*):[^@/?#\s]*@/g;
const QUERY_PARAMETER = /([?&;])([^=&#;\s]+)=([^&#;\s]*)/g;

/** Values known to be secret (settings.secrets, API keys, passwords in connection URLs), replaced wherever they appear. */
export class LogRedactor {
  private readonly values: string[];

  constructor(secretValues: Iterable<string> = []) {
    this.values = [...new Set([...secretValues].filter((value) => value.length >= MIN_SECRET_VALUE))]
      // Longest first, so a secret that contains another is replaced whole.
      .sort((a, b) => b.length - a.length);
  }

  /** A string with URL passwords, secret query parameter values and known secret values replaced. */
  text(value: string): string {
    let text = value;
    if (text.includes('@')) text = text.replace(USERINFO, `$1:${REDACTED}@`);
    if (text.includes('=')) {
      text = text.replace(QUERY_PARAMETER, (whole, separator: string, name: string) =>
        SECRET_PARAMETERS.has(normalise(safeDecode(name))) ? `${separator}${name}=${REDACTED}` : whole);
    }
    for (const secret of this.values) if (text.includes(secret)) text = text.split(secret).join(REDACTED);
    return text;
  }

  /** A copy of a log value with secret fields, URLs, secret values and errors cleaned; the input is not changed. */
  fields(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH) return '[Too deep]';
    if (value instanceof Error) return this.error(value, depth);
    if (Array.isArray(value)) return value.map((item) => this.fields(item, depth + 1));
    if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
    const cleaned: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      cleaned[key] = isSecretField(key) && item !== undefined && item !== null ? REDACTED : this.fields(item, depth + 1);
    }
    return cleaned;
  }

  /**
   * An error as its type, message, stack and identifying codes, and its cause.
   * Everything else is left out: a failed query's `query`, `parameters`,
   * `detail` ("Failing row contains …") and `driverError` hold whole run
   * states and payloads.
   */
  error(error: Error, depth = 0): Record<string, unknown> {
    const source = error as unknown as Record<string, unknown>;
    const described: Record<string, unknown> = { type: error.name, message: this.text(clip(String(error.message))) };
    for (const field of ERROR_FIELDS) {
      const item = source[field];
      if (typeof item === 'string' || typeof item === 'number') described[field] = typeof item === 'string' ? this.text(clip(item)) : item;
    }
    if (typeof error.stack === 'string') described.stack = this.text(clip(error.stack));
    if (error.cause !== undefined && depth < MAX_DEPTH) described.cause = this.fields(error.cause, depth + 1);
    return described;
  }
}

function clip(text: string): string {
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}… [${text.length - MAX_ERROR_TEXT} more characters]` : text;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The password of a connection URL such as DATABASE_URL or BROKER_URL, if it has one. */
export function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const password = new URL(url).password;
    return password ? safeDecode(password) : undefined;
  } catch {
    return undefined;
  }
}
