/**
 * Every setting of Sluice: its environment variable, default and unit, in one
 * place (docs/settings.md). Validated once at boot; a bad value stops start-up with a
 * message naming the variable.
 */
import { z } from 'zod';
import { resolveBroker, type BrokerSettings } from './broker-settings';

/** Shortest accepted API key, in characters. */
export const MIN_API_KEY_LENGTH = 16;

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const byteSize = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'a size such as 512kb, 1mb or 1048576')
  .transform(parseByteSize);

const urlWithScheme = (schemes: string[]) =>
  z.string().refine((value) => {
    try {
      return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
    } catch {
      return false;
    }
  }, `a URL with scheme ${schemes.join(' or ')}`);

const namespace = z.string().regex(/^[A-Za-z0-9_.-]*$/, 'letters, digits, dot, dash and underscore');

export const settingsSchema = z.object({
  /** TCP port of the API and UI. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface the API binds to. Anything but loopback requires SLUICE_API_KEYS. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Embedded PostgreSQL data directory (embedded mode only). */
  DATA_DIR: z.string().min(1).default('./data'),
  /** PostgreSQL server; unset selects embedded PGlite. */
  DATABASE_URL: urlWithScheme(['postgres', 'postgresql']).optional(),
  /**
   * The broker, chosen by scheme: `amqp://` or `amqps://` (RabbitMQ),
   * `sqs://REGION?endpoint=…` (Amazon SQS and SNS); unset selects the
   * in-process broker. Parsed into `Settings.broker` (broker-settings.ts).
   */
  BROKER_URL: z.string().optional(),
  /** RabbitMQ: the older name of an amqp BROKER_URL, still accepted. */
  AMQP_URL: urlWithScheme(['amqp', 'amqps']).optional(),
  /**
   * Prefix of every queue, exchange and topic name, to share one broker
   * between deployments. With SQS: letters, digits, dash and underscore only.
   */
  BROKER_NAMESPACE: namespace.optional(),
  /** The older name of BROKER_NAMESPACE, still accepted. */
  AMQP_NAMESPACE: namespace.default(''),
  /**
   * Comma-separated bearer keys, each at least {@link MIN_API_KEY_LENGTH}
   * characters; unset leaves the API open (loopback only).
   */
  SLUICE_API_KEYS: z
    .string()
    .optional()
    .transform((value) => (value ?? '').split(',').map((key) => key.trim()).filter((key) => key.length > 0))
    .refine((keys) => keys.every((key) => key.length >= MIN_API_KEY_LENGTH), `every key needs at least ${MIN_API_KEY_LENGTH} characters`)
    .refine((keys) => keys.every((key) => /^[\x21-\x7e]+$/.test(key)), 'keys are printable ASCII without spaces (a bearer header cannot carry anything else)'),
  /** Serve `/metrics` without a key even when SLUICE_API_KEYS is set. */
  SLUICE_METRICS_PUBLIC: booleanFlag.default(false),
  /** May `http` nodes call loopback, link-local and private addresses. Default: true embedded, false production. */
  SLUICE_HTTP_ALLOW_PRIVATE: booleanFlag.optional(),
  /** Largest accepted request body, e.g. `1mb`. In bytes after parsing. */
  SLUICE_MAX_BODY: byteSize.default(1024 * 1024),
  /** Deepest nesting of arrays and objects accepted in a JSON request body. */
  SLUICE_MAX_JSON_DEPTH: z.coerce.number().int().min(4).max(1000).default(64),
  /**
   * Largest output a step may produce (an http response body after
   * decompression, or any step's result as JSON), e.g. `1mb`. In bytes. Past
   * it the step fails without retries.
   */
  SLUICE_MAX_STEP_OUTPUT: byteSize.default(1024 * 1024),
  /** Most publish hops from the event that started a chain; one more publish fails without retries. */
  SLUICE_MAX_PUBLISH_DEPTH: z.coerce.number().int().min(1).max(100).default(8),
  /** Most runs that publish steps may start, all hops together, from one originating event. */
  SLUICE_MAX_CHAIN_RUNS: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /** Most open `/api/stream` connections per process; more get 503. */
  SLUICE_STREAM_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100_000).default(200),
  /** Unsent bytes a stream client may fall behind by before it is dropped, e.g. `1mb`. */
  SLUICE_STREAM_MAX_BUFFER: byteSize.default(1024 * 1024),
  /**
   * Run searches by `q` scanning payloads at once per process (each up to
   * 5,000 runs, about 2 s); more get 503 `overloaded` with Retry-After.
   * Key lookups and plain listing are not counted.
   */
  SLUICE_SEARCH_MAX_SCANS: z.coerce.number().int().min(1).max(1000).default(4),
  /** Shadow replays running at once per process, across flows; more get 503 `overloaded` with Retry-After. */
  SLUICE_REPLAY_MAX_RUNNING: z.coerce.number().int().min(1).max(1000).default(2),
  /**
   * Work accepted and not yet done (outbox rows plus messages waiting in the
   * steps and ingest queues), in messages, at which triggers and publishes
   * wait; latency of accepted events stays about this ÷ throughput. Keep it
   * above the largest burst that must never be refused (docs/guarantees.md#backpressure).
   */
  SLUICE_MAX_BACKLOG: z.coerce.number().int().min(1).max(10_000_000).default(500),
  /**
   * Longest the backlog may take to drain at the rate it has drained over the
   * last 3 s, in ms; past it triggers and publishes wait just as at
   * SLUICE_MAX_BACKLOG, so latency stays bounded on a slow machine or with
   * slow steps. Applies only while 50 messages or more wait; 0 turns it off.
   */
  SLUICE_MAX_BACKLOG_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(2500),
  /** Longest a trigger or publish waits at SLUICE_MAX_BACKLOG before it gets 503 `overloaded` with Retry-After, in ms; 0 refuses at once. */
  SLUICE_BACKPRESSURE_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  /** Step messages in flight per worker (prefetch). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(50),
  /**
   * Longest a stopping worker waits for the batches in flight to commit and
   * ack, in ms; what is still unacknowledged then goes back to the queue and
   * runs again. The default covers an http step at its default 10 s timeout
   * and its commit; keep the process manager's stop timeout above it.
   */
  WORKER_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(15_000),
  /**
   * Deliveries of one step message that may fail (its processing or commit
   * threw, or its worker stopped or lost its connection) before the step is
   * dead-lettered with the cause (`delivery_limit`) instead of being requeued.
   */
  SLUICE_MAX_DELIVERIES: z.coerce.number().int().min(1).max(1000).default(5),
  /** Seed the sample flows into an empty store at start-up. */
  SLUICE_SEED_SAMPLES: booleanFlag.optional(),
  /** pino level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Directory of the editor's production build (`npm run build:web` writes
   * `web/dist`), served at `/`. Relative paths resolve against the working directory.
   */
  SLUICE_WEB_DIR: z.string().min(1).default('web/dist'),
  /** Connections in the PostgreSQL pool (embedded PGlite is capped at 4). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /**
   * Longest one store query may wait for PostgreSQL's answer, in ms; then it
   * fails as "store unavailable" (a trigger gets 503), so a stalled server or
   * network cannot hold requests open without end.
   */
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Longest opening a store connection may take, in ms. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
});

type ParsedSettings = z.output<typeof settingsSchema>;

/** Environment variables that hold secrets for `{{secret.NAME}}` references: `SLUICE_SECRET_<NAME>`. */
const SECRET_VARIABLE = /^SLUICE_SECRET_([A-Za-z0-9_]+)$/;

export interface Settings extends Omit<ParsedSettings, 'SLUICE_HTTP_ALLOW_PRIVATE' | 'SLUICE_SEED_SAMPLES'> {
  /** `embedded` when neither DATABASE_URL nor a broker URL is set. */
  mode: 'embedded' | 'production';
  /** The broker BROKER_URL (or AMQP_URL) and BROKER_NAMESPACE (or AMQP_NAMESPACE) select. */
  broker: BrokerSettings;
  /**
   * Values of `SLUICE_SECRET_<NAME>` variables by NAME, resolved into `http`
   * header values written `{{secret.NAME}}` at call time. Never logged.
   */
  secrets: Readonly<Record<string, string>>;
  SLUICE_HTTP_ALLOW_PRIVATE: boolean;
  SLUICE_SEED_SAMPLES: boolean;
}

/** A setting failed validation; the message names every bad variable. */
export class SettingsError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/** Reads and validates settings from an environment (process.env by default). */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const cleaned = Object.fromEntries(
    Object.keys(settingsSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = settingsSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '?'), message: issue.message })),
    );
  }
  const value = parsed.data;
  const resolved = resolveBroker({
    BROKER_URL: value.BROKER_URL, AMQP_URL: value.AMQP_URL,
    BROKER_NAMESPACE: value.BROKER_NAMESPACE, AMQP_NAMESPACE: cleaned['AMQP_NAMESPACE'],
  });
  if (!resolved.ok) throw new SettingsError(resolved.problems);
  const { broker } = resolved;
  const mode = value.DATABASE_URL || broker.kind !== 'in-process' ? 'production' : 'embedded';
  const settings: Settings = {
    ...value,
    mode,
    broker,
    secrets: readSecrets(env),
    SLUICE_HTTP_ALLOW_PRIVATE: value.SLUICE_HTTP_ALLOW_PRIVATE ?? mode === 'embedded',
    SLUICE_SEED_SAMPLES: value.SLUICE_SEED_SAMPLES ?? mode === 'embedded',
  };
  if (resolved.variable && !settings.DATABASE_URL) {
    // Workers on a broker share the API's database; embedded PostgreSQL belongs to one process.
    throw new SettingsError([
      { variable: 'DATABASE_URL', message: `must be set when ${resolved.variable} is: workers on a broker share one PostgreSQL server with the API` },
    ]);
  }
  if (!isLoopback(settings.HOST) && settings.SLUICE_API_KEYS.length === 0) {
    throw new SettingsError([
      { variable: 'SLUICE_API_KEYS', message: `must be set when HOST (${settings.HOST}) is not a loopback address` },
    ]);
  }
  return settings;
}

/**
 * For process entry points: the settings, or a message naming each bad
 * variable on stderr and exit code 1.
 */
export function loadSettingsOrExit(env: Record<string, string | undefined> = process.env): Settings {
  try {
    return loadSettings(env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

function readSecrets(env: Record<string, string | undefined>): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const [variable, value] of Object.entries(env)) {
    const name = SECRET_VARIABLE.exec(variable)?.[1];
    if (name && value !== undefined && value !== '') secrets[name] = value;
  }
  return secrets;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  const amount = Number(match?.[1] ?? NaN);
  const unit = (match?.[2] ?? 'b').toLowerCase();
  const factor = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[unit] ?? 1;
  return Math.floor(amount * factor);
}
