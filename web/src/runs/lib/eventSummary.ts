import type { HistoryEvent, HistoryEventType, StepError } from '@sluice/contracts';
import { formatDuration } from '../../format/durations';

/** Colour family of a history event in the timeline; the stylesheet owns the colours. */
export type EventTone = 'start' | 'info' | 'ok' | 'retry' | 'fail' | 'muted';

const TONES: Record<HistoryEventType, EventTone> = {
  RunStarted: 'start',
  StepScheduled: 'info',
  StepStarted: 'info',
  StepSucceeded: 'ok',
  StepFailed: 'fail',
  RetryScheduled: 'retry',
  RetryAccelerated: 'retry',
  TimerStarted: 'info',
  StepDeadLettered: 'fail',
  StepSkipped: 'muted',
  StepRedriven: 'retry',
  RunSucceeded: 'ok',
  RunFailed: 'fail',
  RunIgnored: 'muted',
};

/** Timeline colour of an event type. */
export function eventTone(type: HistoryEventType): EventTone {
  return TONES[type];
}

/** `JSON.stringify` cut to `max` characters with an ellipsis; `undefined` gives ''. */
export function compactJson(value: unknown, max = 80): string {
  if (value === undefined) return '';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function errorText(error: StepError): string {
  return `${error.code}${error.status === undefined ? '' : ` ${error.status}`}: ${error.message}`;
}

function attemptText(attempt: number, max?: number): string {
  return `attempt ${attempt}${max ? ` of ${max}` : ''}`;
}

/** One line that says what an event's data holds, for the history timeline. Pure. */
export function summarizeEvent(event: HistoryEvent): string {
  switch (event.type) {
    case 'RunStarted': {
      const { source, topic, payload } = event.data;
      return `${source}${topic ? ` ${topic}` : ''} · ${compactJson(payload, 70)}`;
    }
    case 'StepScheduled':
      return `${attemptText(event.data.attempt, event.data.maxAttempts)}${event.data.from ? ` · input from ${event.data.from}` : ' · input is the event'}`;
    case 'StepStarted':
      return attemptText(event.data.attempt);
    case 'StepSucceeded': {
      const exit = event.data.handle ? ` → ${event.data.handle}` : '';
      const output = compactJson(event.data.output, 60);
      return `${attemptText(event.data.attempt)} · ${formatDuration(event.data.durationMs)}${exit}${output ? ` · ${output}` : ''}`;
    }
    case 'StepFailed': {
      const fate = event.data.caught ? ' · caught by error edge' : event.data.final ? ' · final' : '';
      return `${attemptText(event.data.attempt)} · ${errorText(event.data.error)}${fate}`;
    }
    case 'RetryScheduled':
      return `${attemptText(event.data.attempt, event.data.maxAttempts)} in ${formatDuration(event.data.delayMs)}`;
    case 'RetryAccelerated':
      return `${attemptText(event.data.attempt)} brought forward`;
    case 'TimerStarted':
      return `wait ${formatDuration(event.data.delayMs)}`;
    case 'StepDeadLettered':
      return `after ${event.data.attempts} attempt${event.data.attempts === 1 ? '' : 's'} · ${errorText(event.data.error)}`;
    case 'StepSkipped':
      return event.data.reason;
    case 'StepRedriven':
      return `${event.data.reason === 'redrive' ? 'redriven' : 'retry now'} → ${attemptText(event.data.attempt)}`;
    case 'RunSucceeded':
    case 'RunFailed':
    case 'RunIgnored':
      return '';
    default:
      return assertNever(event);
  }
}

/** "StepSucceeded" → "Step succeeded". */
export function eventLabel(type: HistoryEventType): string {
  const words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function assertNever(value: never): never {
  throw new Error(`Unknown history event ${JSON.stringify(value)}`);
}
