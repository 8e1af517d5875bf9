import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@sluice/store';
import { Client } from 'pg';

/** The embedded database's URL without its password, or with another one. */
function withPassword(url: string, password: string | undefined): string {
  const parsed = new URL(url);
  parsed.password = password ?? '';
  return parsed.toString();
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return (await client.query(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function startupMessage(): Buffer {
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
  const message = Buffer.alloc(8 + params.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(196608, 4);
  params.copy(message, 8);
  return message;
}

function simpleQuery(sql: string): Buffer {
  const text = Buffer.from(`${sql}\0`);
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0);
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/** Everything the server sends on a raw socket until it closes the connection (or 5 s pass). */
function converse(port: number, ...messages: Buffer[]): Promise<{ bytes: Buffer; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket: Socket = connect(port, '127.0.0.1', () => {
      for (const message of messages) socket.write(message);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), closedByServer: false });
    }, 5000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ bytes: Buffer.concat(chunks), closedByServer: true });
    });
  });
}

/** Message type letters of a backend byte stream, e.g. ['R', 'E']. */
function messageTypes(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 0; offset + 5 <= bytes.length; offset += 1 + bytes.readInt32BE(offset + 1)) {
    types.push(String.fromCharCode(bytes[offset]!));
  }
  return types;
}

describe('embedded PostgreSQL password', () => {
  let dataDir: string;
  let embedded: EmbeddedPostgres;
  let password: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-embedded-password-'));
    embedded = await startEmbeddedPostgres(join(dataDir, 'data'));
    password = decodeURIComponent(new URL(embedded.url).password);
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates a random password on the first start, in a file only its owner can read', async () => {
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(embedded.passwordFile).toBe(join(dataDir, 'data', '.sluice-db-password'));
    expect((await readFile(embedded.passwordFile, 'utf8')).trim()).toBe(password);
    expect((await stat(embedded.passwordFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'data'))).mode & 0o777).toBe(0o700);
  });

  it('answers a query with the right password', async () => {
    await expect(query(embedded.url, 'SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });

  it('refuses a client that has no password', async () => {
    await expect(query(withPassword(embedded.url, undefined), 'SELECT 1')).rejects.toThrow(/password/i);
  });

  it('refuses a wrong password with 28P01', async () => {
    await expect(query(withPassword(embedded.url, 'f'.repeat(64)), 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
  });

  it('answers a query sent without authenticating with an error and closes, without running it', async () => {
    const port = Number(new URL(embedded.url).port);
    const { bytes, closedByServer } = await converse(port, startupMessage(), simpleQuery('SELECT 1'));
    expect(closedByServer).toBe(true);
    // R: AuthenticationSASL; E: the refusal. No RowDescription (T), DataRow (D) or ReadyForQuery (Z).
    expect(messageTypes(bytes)).toEqual(['R', 'E']);
    expect(bytes.readInt32BE(5)).toBe(10);
    expect(bytes.toString('latin1')).toContain('SCRAM-SHA-256');
  });

  it('keeps serving authenticated clients after refusing others', async () => {
    await Promise.all([
      expect(query(withPassword(embedded.url, 'x'.repeat(64)), 'SELECT 1')).rejects.toMatchObject({ code: '28P01' }),
      expect(query(embedded.url, 'SELECT 2 AS two')).resolves.toEqual([{ two: 2 }]),
    ]);
    await expect(query(embedded.url, 'SELECT 3 AS three')).resolves.toEqual([{ three: 3 }]);
  });

  it('reuses the password of the data directory after a restart', async () => {
    await embedded.stop();
    embedded = await startEmbeddedPostgres(join(dataDir, 'data'));
    expect(decodeURIComponent(new URL(embedded.url).password)).toBe(password);
    await expect(query(embedded.url, 'SELECT 4 AS four')).resolves.toEqual([{ four: 4 }]);
    await expect(query(withPassword(embedded.url, undefined), 'SELECT 1')).rejects.toThrow(/password/i);
  });
});
