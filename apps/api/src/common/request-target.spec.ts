import type { IncomingMessage } from 'node:http';
import { toOriginForm, unreadableTarget } from './request-target';

function request(url: string, host = '127.0.0.1:3000'): IncomingMessage {
  return { url, headers: { host } } as unknown as IncomingMessage;
}

describe('toOriginForm', () => {
  it.each(['/api/flows', '/api/flows?limit=5', '*'])('leaves %p as it is', (target) => {
    const message = request(target);
    toOriginForm(message);
    expect([message.url, message.headers.host, unreadableTarget(message)]).toEqual([target, '127.0.0.1:3000', undefined]);
  });

  it.each([
    ['http://attacker.example/api/flows', '/api/flows', 'attacker.example'],
    ['HTTP://Attacker.Example:3000/api/flows?limit=5', '/api/flows?limit=5', 'attacker.example:3000'],
    ['http://127.0.0.1:3000/api/runs', '/api/runs', '127.0.0.1:3000'],
    ['https://[::1]:8443', '/', '[::1]:8443'],
  ])('rewrites %p to %p with Host %p, as HTTP/1.1 says', (target, path, host) => {
    const message = request(target);
    toOriginForm(message);
    expect([message.url, message.headers.host, unreadableTarget(message)]).toEqual([path, host, undefined]);
  });

  it.each(['http://12:7.0.0.1/api/flows', 'http://localhost:3000@attacker.example/api', 'ftp://localhost/api/flows', 'api/flows', 'mailto:a@b'])(
    'marks %p as unreadable and routes it as /',
    (target) => {
      const message = request(target);
      toOriginForm(message);
      expect([message.url, message.headers.host, unreadableTarget(message)]).toEqual(['/', '127.0.0.1:3000', target]);
    },
  );
});
