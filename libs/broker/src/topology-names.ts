/**
 * Sluice's AMQP topology, as outside AMQP clients see it (before any
 * namespace prefix, see `rabbitMqNames`). The in-process broker names its
 * queues alike.
 */

/** Topic exchange that carries published events. Outside AMQP clients may publish and bind here. */
export const EVENTS_EXCHANGE = 'sluice.events';
/** Queue of step messages consumed by workers. */
export const STEPS_QUEUE = 'sluice.steps';
/** Queue bound to EVENTS_EXCHANGE with `#` that starts runs of subscribe flows. */
export const INGEST_QUEUE = 'sluice.ingest';
/** Fan-out exchange of best-effort run change notices for the live stream. */
export const NOTICES_EXCHANGE = 'sluice.notices';
/** Header set on events Sluice published itself and already fanned out to its own subscribe flows (a delivery's `fannedOut`). */
export const FANNED_OUT_HEADER = 'x-sluice-fanned-out';
