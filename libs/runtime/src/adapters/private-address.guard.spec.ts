import { isNonPublicAddress, PrivateAddressGuard } from './private-address.guard';

function setup(answers: Record<string, string[]> = {}) {
  return new PrivateAddressGuard(async (hostname) => {
    const found = answers[hostname];
    if (!found) throw new Error(`ENOTFOUND ${hostname}`);
    return found;
  });
}

describe('isNonPublicAddress', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1'])(
    'refuses %s', (address) => expect(isNonPublicAddress(address)).toBe(true),
  );

  it.each(['8.8.8.8', '172.32.0.1', '192.169.0.1', '2001:4860:4860::8888', '::ffff:1.1.1.1'])(
    'allows %s', (address) => expect(isNonPublicAddress(address)).toBe(false),
  );
});

describe('PrivateAddressGuard', () => {
  it('refuses literal private addresses and names that resolve to one, naming the setting', async () => {
    const guard = setup({ 'internal.example': ['203.0.113.9', '10.0.0.5'] });
    await expect(guard.check(new URL('http://127.0.0.1:8080/x'))).resolves.toMatch(/SLUICE_HTTP_ALLOW_PRIVATE/);
    await expect(guard.check(new URL('http://[::1]/x'))).resolves.toMatch(/::1/);
    await expect(guard.check(new URL('https://internal.example/x'))).resolves.toMatch(/10\.0\.0\.5/);
  });

  it('allows public destinations and leaves unresolvable names to fail as network errors', async () => {
    const guard = setup({ 'api.example': ['203.0.113.10'] });
    await expect(guard.check(new URL('https://api.example/hook'))).resolves.toBeUndefined();
    await expect(guard.check(new URL('https://nowhere.example/'))).resolves.toBeUndefined();
  });
});
