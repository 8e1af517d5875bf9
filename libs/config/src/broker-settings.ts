/**
 * Which broker Sluice uses, read from BROKER_URL (or its older spelling
 * AMQP_URL) and BROKER_NAMESPACE (or AMQP_NAMESPACE): the scheme picks the
 * adapter (docs/brokers.md, docs/settings.md#broker).
 */

/** The broker the settings select, with what its adapter needs. */
export type BrokerSettings =
  | { kind: 'in-process' }
  | {
      kind: 'rabbitmq';
      /** `amqp://…` or `amqps://…`, credentials included. */
      url: string;
      /** Prefix, plus a dot, of every exchange and queue name; empty for none. */
      namespace: string;
    }
  | SqsBrokerSettings;

/** Amazon SQS for step messages and SNS topics for events and notices. Credentials come from the AWS SDK's default chain, never from the URL. */
export interface SqsBrokerSettings {
  kind: 'sqs';
  /** AWS region, e.g. `us-east-1`. */
  region: string;
  /** SQS and SNS endpoint (an emulator or a VPC endpoint), `http(s)://…`; unset: AWS's for the region. */
  endpoint?: string;
  /** Prefix, plus a dash, of every queue and topic name; empty for none. */
  namespace: string;
  /** Seconds a received message stays hidden before SQS hands it out again (`visibilityTimeout`). */
  visibilityTimeoutSec?: number;
  /** Long-poll wait of one receive, in seconds (`waitTime`). */
  waitTimeSec?: number;
  /** Receives of one message before SQS moves it to the dead-letter queue (`maxReceiveCount`). */
  maxReceiveCount?: number;
}

/** One refused variable, as SettingsError reports it. */
export interface SettingsProblem {
  variable: string;
  message: string;
}

/** The raw broker variables, empty ones already taken as unset. */
export interface BrokerVariables {
  BROKER_URL?: string;
  AMQP_URL?: string;
  BROKER_NAMESPACE?: string;
  AMQP_NAMESPACE?: string;
}

/** The broker settings, or the problems that refuse them. */
export type BrokerResolution = { ok: true; broker: BrokerSettings; variable?: 'BROKER_URL' | 'AMQP_URL' } | { ok: false; problems: SettingsProblem[] };

const ACCEPTED =
  'accepted: amqp://… or amqps://… (RabbitMQ), sqs://REGION?endpoint=… (Amazon SQS and SNS), or unset for the in-process broker';

/** An AWS region name: `us-east-1`, `ap-southeast-2`, `us-gov-west-1`. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** SQS and SNS names allow letters, digits, `-` and `_` only. */
const SQS_NAMESPACE = /^[A-Za-z0-9_-]*$/;

/**
 * Longest namespace on SQS, in characters: queue names take at most 80, and
 * the longest the adapter makes is a process's notice queue,
 * `<namespace>-sluice-notices-` and 12 random characters.
 */
const SQS_MAX_NAMESPACE_LENGTH = 80 - '-sluice-notices-'.length - 12;

/**
 * The query parameters an `sqs://` URL accepts, each with its bounds in
 * whole seconds or counts (SQS's own limits) and the option it sets.
 */
const SQS_NUMBERS = {
  visibilityTimeout: { option: 'visibilityTimeoutSec', min: 1, max: 43_200, unit: 'seconds (at most 12 h)' },
  waitTime: { option: 'waitTimeSec', min: 0, max: 20, unit: 'seconds (a long poll)' },
  maxReceiveCount: { option: 'maxReceiveCount', min: 1, max: 1000, unit: 'receives' },
} as const;

const SQS_PARAMETERS = ['endpoint', 'namespace', ...Object.keys(SQS_NUMBERS)];

/**
 * Resolves the broker: BROKER_URL, else AMQP_URL (RabbitMQ, as it always
 * was), else the in-process broker. Both set and different is refused, and
 * so are BROKER_NAMESPACE and AMQP_NAMESPACE set and different.
 */
export function resolveBroker(variables: BrokerVariables): BrokerResolution {
  const problems: SettingsProblem[] = [];
  if (variables.BROKER_URL !== undefined && variables.AMQP_URL !== undefined && variables.BROKER_URL !== variables.AMQP_URL) {
    problems.push({ variable: 'BROKER_URL', message: 'BROKER_URL and AMQP_URL are both set and differ; set BROKER_URL only (AMQP_URL is its older name)' });
  }
  if (variables.BROKER_NAMESPACE !== undefined && variables.AMQP_NAMESPACE !== undefined && variables.BROKER_NAMESPACE !== variables.AMQP_NAMESPACE) {
    problems.push({
      variable: 'BROKER_NAMESPACE',
      message: 'BROKER_NAMESPACE and AMQP_NAMESPACE are both set and differ; set BROKER_NAMESPACE only (AMQP_NAMESPACE is its older name)',
    });
  }
  if (problems.length > 0) return { ok: false, problems };

  const variable = variables.BROKER_URL !== undefined ? 'BROKER_URL' : variables.AMQP_URL !== undefined ? 'AMQP_URL' : undefined;
  const url = variables.BROKER_URL ?? variables.AMQP_URL;
  const namespace = variables.BROKER_NAMESPACE ?? variables.AMQP_NAMESPACE ?? '';
  const namespaceVariable = variables.BROKER_NAMESPACE !== undefined ? 'BROKER_NAMESPACE' : 'AMQP_NAMESPACE';
  if (url === undefined || variable === undefined) return { ok: true, broker: { kind: 'in-process' } };

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse(variable, `not a URL; ${ACCEPTED}`);
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  switch (scheme) {
    case 'amqp':
    case 'amqps':
      return { ok: true, broker: { kind: 'rabbitmq', url, namespace }, variable };
    case 'sqs': {
      const sqs = parseSqsUrl(parsed, variable);
      if ('problems' in sqs) return { ok: false, problems: sqs.problems };
      const chosen = sqsNamespace(parsed, variable, variables.BROKER_NAMESPACE ?? variables.AMQP_NAMESPACE, namespaceVariable);
      return 'problem' in chosen ? { ok: false, problems: [chosen.problem] } : { ok: true, broker: { ...sqs, namespace: chosen.namespace }, variable };
    }
    default:
      // Only the scheme is quoted: the rest of the URL may hold a password.
      return refuse(variable, `scheme "${scheme}://" is not supported; ${ACCEPTED}`);
  }
}

/**
 * `sqs://REGION?endpoint=…&namespace=…&visibilityTimeout=…&waitTime=…&maxReceiveCount=…`
 * (the namespace is read by `sqsNamespace`).
 * A user or password is refused: credentials come from the standard AWS
 * variables or profile, so none sits in a URL that may be logged or shown.
 */
function parseSqsUrl(url: URL, variable: string): Omit<SqsBrokerSettings, 'namespace'> | { problems: SettingsProblem[] } {
  const problems: string[] = [];
  if (url.username !== '' || url.password !== '') {
    problems.push(
      'an sqs:// URL carries no credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or AWS_PROFILE, instead',
    );
  }
  const region = url.hostname;
  if (region === '') problems.push('an sqs:// URL needs a region, e.g. sqs://us-east-1');
  else if (!REGION.test(region)) problems.push(`"${region}" is not an AWS region name such as us-east-1 (sqs://REGION)`);
  if (url.port !== '') problems.push('an sqs:// URL has no port; give the endpoint as ?endpoint=http(s)://host:port');
  if (url.pathname !== '' && url.pathname !== '/') problems.push('an sqs:// URL has no path: sqs://REGION?endpoint=…');
  if (url.hash !== '') problems.push('an sqs:// URL has no fragment');

  const settings: Omit<SqsBrokerSettings, 'namespace'> = { kind: 'sqs', region };
  const seen = new Set<string>();
  for (const [name, value] of url.searchParams) {
    if (seen.has(name)) {
      problems.push(`parameter "${name}" is given twice`);
      continue;
    }
    seen.add(name);
    if (name === 'namespace') continue; // checked by sqsNamespace
    if (name === 'endpoint') {
      const endpoint = checkEndpoint(value);
      if (endpoint.ok) settings.endpoint = value;
      else problems.push(endpoint.problem);
    } else if (isNumberParameter(name)) {
      const bounds = SQS_NUMBERS[name];
      const number = /^\d+$/.test(value) ? Number(value) : NaN;
      if (Number.isInteger(number) && number >= bounds.min && number <= bounds.max) settings[bounds.option] = number;
      else problems.push(`${name} must be a whole number of ${bounds.unit} from ${bounds.min} to ${bounds.max}`);
    } else {
      problems.push(`unknown parameter "${name}"; an sqs:// URL accepts ${SQS_PARAMETERS.join(', ')}`);
    }
  }
  return problems.length > 0 ? { problems: problems.map((message) => ({ variable, message })) } : settings;
}

/**
 * The namespace of an sqs broker: the URL's `namespace` parameter, or else
 * BROKER_NAMESPACE (AMQP_NAMESPACE); both given and different is refused.
 * SQS and SNS names allow letters, digits, `-` and `_` only.
 */
function sqsNamespace(
  url: URL, urlVariable: string, fromVariable: string | undefined, namespaceVariable: string,
): { namespace: string } | { problem: SettingsProblem } {
  const fromUrl = url.searchParams.get('namespace');
  if (fromUrl !== null && fromVariable !== undefined && fromUrl !== fromVariable) {
    return { problem: { variable: urlVariable, message: `its namespace parameter and ${namespaceVariable} differ; give the namespace once` } };
  }
  const namespace = fromUrl ?? fromVariable ?? '';
  const variable = fromUrl !== null ? urlVariable : namespaceVariable;
  const what = fromUrl !== null ? 'the namespace parameter takes' : 'with an sqs:// broker,';
  if (!SQS_NAMESPACE.test(namespace)) {
    return { problem: { variable, message: `${what} letters, digits, dash and underscore only (SQS queue and SNS topic names allow nothing else)` } };
  }
  if (namespace.length > SQS_MAX_NAMESPACE_LENGTH) {
    return { problem: { variable, message: `${what} at most ${SQS_MAX_NAMESPACE_LENGTH} characters (SQS queue names take at most 80)` } };
  }
  return { namespace };
}

function isNumberParameter(name: string): name is keyof typeof SQS_NUMBERS {
  return Object.prototype.hasOwnProperty.call(SQS_NUMBERS, name);
}

/** The SQS and SNS endpoint: `http(s)://host[:port]`, without credentials (those come from the AWS chain). */
function checkEndpoint(value: string): { ok: true } | { ok: false; problem: string } {
  let endpoint: URL;
  try {
    endpoint = new URL(value);
  } catch {
    return { ok: false, problem: 'endpoint must be an http:// or https:// URL' };
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    return { ok: false, problem: `endpoint must be an http:// or https:// URL, not ${endpoint.protocol}//` };
  }
  if (endpoint.username !== '' || endpoint.password !== '') {
    return { ok: false, problem: 'endpoint carries no credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, instead' };
  }
  return { ok: true };
}

function refuse(variable: string, message: string): BrokerResolution {
  return { ok: false, problems: [{ variable, message }] };
}
