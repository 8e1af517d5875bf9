import type { Logger } from '@sluice/runtime';

/** One line a recording logger kept. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps every line in `lines`, to check what an adapter logs. */
export function recordingLogger(lines: LogLine[]): Logger {
  const logger: Logger = {
    child: () => logger,
    debug: (fields, message) => void lines.push({ level: 'debug', fields, message }),
    info: (fields, message) => void lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => void lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => void lines.push({ level: 'error', fields, message }),
  };
  return logger;
}
