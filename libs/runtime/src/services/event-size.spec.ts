import type { FlowEdge, FlowGraph, FlowNode, StepState } from '@sluice/contracts';
import type { StreamNotice } from '@sluice/contracts';
import type { BrokerPort, Delivery, OutgoingMessage } from '../ports/broker.port';
import type { StepMessage, TopicEventMessage } from '../ports/broker-messages';
import { silentLogger } from '../ports/logger.port';
import { DomainError } from '../errors/domain-error';
import { Runtime } from '../runtime';
import { BROKER_ENVELOPE_BYTES, eventTooLarge } from './event-size';
import { MemoryStore } from './memory-store.spec-support';
import { answeringOk, clock } from './step-executor.spec-support';

/** The broker limit of these tests, in bytes: small, so that a few KiB of payload passes it. */
const LIMIT = 4096;

/** A broker that carries at most `maxMessageBytes` per message and keeps what is published. */
function limitedBroker(maxMessageBytes: number | undefined) {
  const published: OutgoingMessage[] = [];
  const broker: BrokerPort = {
    ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
    start: async () => undefined,
    close: async () => undefined,
    isReady: () => true,
    backlog: () => 0,
    publish: async (messages) => void published.push(...messages),
    consumeSteps: async () => async () => undefined,
    consumeEvents: async () => async () => undefined,
    publishNotices: (_notices: readonly StreamNotice[]) => undefined,
    onNotice: () => () => undefined,
  };
  return { broker, published };
}

function graph(nodes: [string, string, Record<string, unknown>?][], edges: [string, string][]): FlowGraph {
  return {
    nodes: nodes.map(([id, type, data]): FlowNode => ({ id, type, position: { x: 0, y: 0 }, data: data ?? {} })),
    edges: edges.map(([source, target]): FlowEdge => ({ id: `${source}-${target}`, source, target, sourceHandle: null })),
  };
}

/** A JSON payload of about `bytes` bytes. */
function payloadOf(bytes: number): { blob: string } {
  return { blob: 'x'.repeat(bytes) };
}

/**
 * A Runtime over a store in memory and a broker that carries at most `limit`
 * bytes per message (no limit when undefined), with four flows: `producer` (trigger → publish
 * "orders.created", retries allowed), `doubler` (subscribe "orders.in" →
 * transform to twice its event → publish "orders.created") and `consumer`
 * (subscribe "orders.#" → end) and `plain` (trigger → end).
 */
function setup(limit: number | undefined) {
  const store = new MemoryStore();
  const { broker, published } = limitedBroker(limit);
  const runtime = new Runtime({ store: store.asPort(), broker, http: answeringOk(), logger: silentLogger, worker: false, clock });
  const publish = { topic: 'orders.created', retry: { maxAttempts: 3 } };
  store.addFlow('producer', graph([['t', 'trigger'], ['p', 'publish', publish], ['e', 'end']], [['t', 'p'], ['p', 'e']]));
  store.addFlow('doubler', graph(
    [['in', 'subscribe', { topic: 'orders.in' }], ['twice', 'transform', { expression: '{ "twice": [event, event] }' }], ['p', 'publish', publish]],
    [['in', 'twice'], ['twice', 'p']],
  ));
  store.addFlow('consumer', graph([['in', 'subscribe', { topic: 'orders.#' }], ['e', 'end']], [['in', 'e']]));
  store.addFlow('plain', graph([['t', 'trigger'], ['e', 'end']], [['t', 'e']]));
  /** The one run of `flowId`, and its step `nodeId`. */
  const onlyRun = (flowId: string, nodeId: string): { status: string; step: StepState | undefined } => {
    const runs = store.runsOf(flowId);
    expect(runs).toHaveLength(1);
    return { status: runs[0]!.status, step: runs[0]!.steps.find((step) => step.nodeId === nodeId) };
  };
  const eventRows = () => store.outbox.filter((entry) => entry.message.kind === 'event');
  return { store, runtime, published, onlyRun, eventRows };
}

describe('events larger than the broker carries', () => {
  it('measures an event as its JSON plus the room kept for the broker\'s attributes, and never without a limit', () => {
    const event: TopicEventMessage = { kind: 'event', eventId: 'e', topic: 't', payload: 'x'.repeat(100) };
    const bytes = Buffer.byteLength(JSON.stringify(event));
    expect(eventTooLarge(event, bytes + BROKER_ENVELOPE_BYTES)).toBe(false);
    expect(eventTooLarge(event, bytes + BROKER_ENVELOPE_BYTES - 1)).toBe(true);
    expect(eventTooLarge(event, undefined)).toBe(false);
  });

  it('fails a publish step whose event passes the broker\'s limit at once, without retries, naming the limit; nothing is published', async () => {
    const { runtime, store, onlyRun, eventRows } = setup(LIMIT);
    await runtime.triggers.trigger('producer', payloadOf(LIMIT));

    const { status, step } = onlyRun('producer', 'p');
    expect(status).toBe('failed');
    expect(step).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'event_too_large', retryable: false } });
    expect(step?.error?.message).toContain(`Node "p" (publish) would publish an event on topic "orders.created" larger than the broker carries: at most ${LIMIT} bytes per message`);
    expect(store.runsOf('consumer')).toHaveLength(0);
    expect(eventRows()).toHaveLength(0);
  });

  it('publishes an event within the limit as before: the subscriber runs and the event goes to the broker', async () => {
    const { runtime, store, published, onlyRun, eventRows } = setup(LIMIT);
    await runtime.triggers.trigger('producer', payloadOf(LIMIT - BROKER_ENVELOPE_BYTES - 200));

    expect(onlyRun('producer', 'p')).toMatchObject({ status: 'succeeded', step: { status: 'succeeded' } });
    expect(store.runsOf('consumer')).toHaveLength(1);
    expect(eventRows()).toHaveLength(1);
    expect(published.filter((outgoing) => outgoing.message.kind === 'event')).toHaveLength(1);
  });

  it('lets a broker without a limit carry an event of any size', async () => {
    const { runtime, store, onlyRun } = setup(undefined);
    await runtime.triggers.trigger('producer', payloadOf(64 * 1024));
    expect(onlyRun('producer', 'p')).toMatchObject({ status: 'succeeded', step: { status: 'succeeded' } });
    expect(store.runsOf('consumer')).toHaveLength(1);
  });

  it('leaves a REST trigger of a flow that publishes nothing unaffected: its payload never travels as one message', async () => {
    const { runtime, store } = setup(LIMIT);
    await runtime.triggers.trigger('plain', payloadOf(64 * 1024));
    expect(store.runsOf('plain').map((run) => run.status)).toEqual(['succeeded']);
  });

  it('fails a publish step that a worker settles the same way', async () => {
    const { runtime, store, published, onlyRun, eventRows } = setup(LIMIT);
    // The topic event fits; the doubler's publish step would publish twice as much.
    await runtime.triggers.publish('orders.in', payloadOf(LIMIT / 2));
    const step = published.map((outgoing) => outgoing.message).find((message): message is StepMessage => message.kind === 'step');
    expect(step).toMatchObject({ nodeId: 'p' });
    const delivery: Delivery<StepMessage> = { message: step!, redelivered: false, ack: () => undefined, nack: () => undefined };

    await runtime.executor.handle([delivery]);

    const { status, step: publishStep } = onlyRun('doubler', 'p');
    expect(status).toBe('failed');
    expect(publishStep).toMatchObject({ status: 'dead', attempts: 1, error: { code: 'event_too_large', retryable: false } });
    expect(store.runsOf('consumer')).toHaveLength(1); // the topic event's own run, not one of the refused publish
    expect(eventRows().map((row) => (row.message as TopicEventMessage).topic)).toEqual(['orders.in']);
  });

  it('refuses a topic event over REST that passes the limit with 422 payload_rejected, writing nothing', async () => {
    const { runtime, store } = setup(LIMIT);
    const refused = runtime.triggers.publish('orders.in', payloadOf(LIMIT));
    await expect(refused).rejects.toThrow(DomainError);
    await expect(refused).rejects.toMatchObject({ code: 'payload_rejected', message: expect.stringContaining(`at most ${LIMIT} bytes per message`) });
    expect(store.runs.size).toBe(0);
    expect(store.outbox).toHaveLength(0);
  });
});
