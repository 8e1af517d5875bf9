import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSWORD_FILE, readOrCreatePassword } from './embedded-password';

describe('readOrCreatePassword', () => {
  let dir: string;
  const setup = () => ({ file: join(dir, PASSWORD_FILE), read: () => readOrCreatePassword(dir) });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-password-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates 32 random bytes as hex in a file only its owner can read, then reuses them', async () => {
    const { file, read } = setup();
    const first = await read();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    await expect(read()).resolves.toBe(first);
  });

  it('gives each data directory its own password', async () => {
    const other = await mkdtemp(join(tmpdir(), 'sluice-password-'));
    try {
      expect(await setup().read()).not.toBe(await readOrCreatePassword(other));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('tightens an existing file that others can read to 0600', async () => {
    const { file, read } = setup();
    await writeFile(file, `${'a'.repeat(64)}\n`);
    await chmod(file, 0o644);
    await expect(read()).resolves.toBe('a'.repeat(64));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that holds an empty or short password, naming the file', async () => {
    const { file, read } = setup();
    await writeFile(file, 'short\n', { mode: 0o600 });
    await expect(read()).rejects.toThrow(file);
  });
});
