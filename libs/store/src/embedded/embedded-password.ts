import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * File in the data directory that holds the embedded database's password:
 * 32 random bytes as hex, created on the first start, mode 0600.
 */
export const PASSWORD_FILE = '.sluice-db-password';

/** Shortest password accepted from an existing file, in characters. */
const MIN_PASSWORD_LENGTH = 32;

/** Owner read/write only. */
const OWNER_ONLY = 0o600;

/**
 * The password of the embedded database in `dataDir`: read from
 * {@link PASSWORD_FILE}, or generated and written there (mode 0600) when the
 * file does not exist yet. A file readable by others is tightened to 0600.
 */
export async function readOrCreatePassword(dataDir: string): Promise<string> {
  const file = join(dataDir, PASSWORD_FILE);
  const fresh = randomBytes(32).toString('hex');
  try {
    // `wx` fails if the file exists, so two starts racing on one directory agree on the first password.
    await writeFile(file, `${fresh}\n`, { mode: OWNER_ONLY, flag: 'wx' });
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, OWNER_ONLY);
  const password = (await readFile(file, 'utf8')).trim();
  if (password.length < MIN_PASSWORD_LENGTH || /[\s]/.test(password)) {
    throw new Error(`${file} must hold one password of at least ${MIN_PASSWORD_LENGTH} characters; delete it to generate a new one`);
  }
  return password;
}
