import { hostName, isLoopbackHost } from './loopback-host.middleware';

describe('hostName', () => {
  it.each([
    ['localhost:3000', 'localhost'],
    ['LocalHost', 'localhost'],
    ['[::1]:8080', '[::1]'],
    ['127.0.0.1', '127.0.0.1'],
  ])('reads %p as %p', (host, name) => {
    expect(hostName(host)).toBe(name);
  });

  it.each(['', 'a:b:c', 'localhost:', 'localhost:123456', 'user@localhost', '[::1', '::1'])('reads no name from %p', (host) => {
    expect(hostName(host)).toBeUndefined();
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', 'localhost:3000', '127.0.0.1', '127.0.0.1:1', '127.255.255.255', '127.10.0.2:9', '[::1]', '[::1]:3000'])('accepts %p', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    undefined, '', 'example.com', 'localhost.example.com', '127.0.0.1.example.com', 'sub.localhost', '0.0.0.0', '10.0.0.1',
    '127.1', '127.0.0.256', '127.00.0.1', '0177.0.0.1', '2130706433', '[::ffff:127.0.0.1]', '[0:0:0:0:0:0:0:1]', '[::]',
  ])('refuses %p', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('accepts the configured HOST when it is a loopback name', () => {
    expect(isLoopbackHost('[::1]:3000', '::1')).toBe(true);
    expect(isLoopbackHost('sluice.example:3000', 'sluice.example')).toBe(false);
  });
});
