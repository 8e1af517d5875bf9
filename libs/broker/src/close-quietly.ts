/**
 * Closes a channel or connection, ignoring "already closed" errors. Gives up
 * waiting after `timeoutMs`: a socket that died unnoticed never answers the
 * close handshake.
 */
export async function closeQuietly(closable: { close(): Promise<void> }, timeoutMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([closable.close(), gaveUp]);
  } catch {
    // Already closed, or the connection is gone: either way it is closed.
  } finally {
    clearTimeout(timer);
  }
}
