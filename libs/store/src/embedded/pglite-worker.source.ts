import { PG_PASSWORD_GATE_SOURCE } from './pg-password-gate.source';

/**
 * Source of the worker thread that hosts PGlite and its socket server.
 *
 * Why a worker: PGlite runs Postgres as synchronous WASM, so in the app's own
 * thread every query would stall the event loop; in a worker it uses another
 * core. And PGlite loads Node built-ins with dynamic `import()`, which a
 * Jest VM context refuses, while a worker runs on plain Node.
 *
 * Why a string: the worker must be plain CommonJS that Node can run as is,
 * whether the caller is compiled to dist/ or run from TypeScript under Jest.
 * It receives absolute module paths, so resolution does not depend on cwd.
 *
 * The socket server's own query queue is replaced by SessionQueue. PGlite is
 * one Postgres session shared by every client connection, and the stock queue
 * (pglite-socket 0.2.17) only keeps a connection's messages together while
 * an explicit transaction is open. Outside one, `pg`'s extended-protocol
 * messages (Parse, Bind, Execute … Sync) from two connections interleave and
 * one connection's Bind meets the other's unnamed statement ("unnamed
 * prepared statement does not exist", or worse, the wrong statement). A
 * failing message also left the stock queue stuck for good. SessionQueue
 * keeps one connection in charge from its first extended-protocol message to
 * its Sync, and for the whole of its transaction; when a connection drops it
 * syncs or rolls back what it left open.
 *
 * The socket server's connection handling is replaced too: GatedServer
 * accepts a loopback connection only after the password check of
 * pg-password-gate.source.ts (SCRAM-SHA-256 against the data directory's
 * password), then hands it to pglite-socket's PGLiteSocketHandler. PGlite
 * itself trusts every startup message.
 *
 * Protocol (parent ⇄ worker): → workerData {dataDir, pglitePath, socketPath, maxConnections, password};
 * ← {type:'ready', port} | {type:'error', message}; → {type:'stop'}; ← {type:'stopped'}.
 */
export const PGLITE_WORKER_SOURCE = String.raw`
'use strict';
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglitePath);
const { PGLiteSocketHandler } = require(workerData.socketPath);
${PG_PASSWORD_GATE_SOURCE}

/** Message type bytes of the extended query protocol, except Sync ('S'). */
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H'].map((c) => c.charCodeAt(0)));
const SYNC = 'S'.charCodeAt(0);
const QUERY = 'Q'.charCodeAt(0);
const SYNC_MESSAGE = new Uint8Array([SYNC, 0, 0, 0, 4]);

class SessionQueue {
  constructor(db) {
    this.db = db;
    this.queue = [];
    this.processing = false;
    /** Connection in the middle of an extended-protocol sequence (until its Sync). */
    this.pinned = null;
    /** Connection whose transaction block is open. */
    this.owner = null;
  }

  enqueue(handlerId, message, onData) {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength() {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId) {
    this.queue = this.queue.filter((item) => {
      if (item.handlerId !== handlerId || item.internal) return true;
      item.reject(new Error('Handler disconnected'));
      return false;
    });
    if (this.pinned === handlerId) {
      this.queue.unshift({ handlerId, internal: 'sync', message: SYNC_MESSAGE, onData: () => undefined, resolve: () => undefined, reject: () => undefined });
    }
  }

  async clearTransactionIfNeeded(handlerId) {
    if (this.owner === handlerId || this.pinned === handlerId) {
      await new Promise((resolve) => {
        this.queue.push({ handlerId, internal: 'rollback', resolve, reject: resolve });
        void this.process();
      });
    }
  }

  next() {
    const holder = this.pinned ?? this.owner;
    if (holder === null) return this.queue.shift();
    const index = this.queue.findIndex((item) => item.handlerId === holder);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  async process() {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let item = this.next(); item !== undefined; item = this.next()) {
        try {
          let bytes = 0;
          if (item.internal === 'rollback') {
            if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
            this.pinned = null;
          } else {
            await this.db.runExclusive(() => this.db.execProtocolRawStream(item.message, {
              onRawData: (data) => { bytes += data.length; item.onData(data); },
            }));
            const type = item.message[0];
            if (EXTENDED.has(type)) this.pinned = item.handlerId;
            else if (type === SYNC || type === QUERY) this.pinned = null;
          }
          this.owner = this.db.isInTransaction() ? item.handlerId : null;
          item.resolve(bytes);
        } catch (error) {
          this.owner = this.db.isInTransaction() ? item.handlerId : null;
          item.reject(error);
        }
      }
    } finally {
      this.processing = false;
    }
  }
}

/** Connections still proving the password; they hold no PGlite resources. */
const MAX_PENDING = 16;
/** Time a connection has to finish authentication, in ms. */
const AUTH_TIMEOUT_MS = 10000;

function tooManyConnections(socket) {
  socket.on('error', () => undefined);
  socket.end(errorResponse('53300', 'sorry, too many clients already'));
}

/** Loopback TCP server: the password check first, then one PGLiteSocketHandler per connection. */
class GatedServer {
  constructor(queryQueue, verifier, maxConnections) {
    this.queryQueue = queryQueue;
    this.verifier = verifier;
    this.maxConnections = maxConnections;
    this.handlers = new Set();
    this.pending = new Set();
    this.active = false;
    this.server = net.createServer((socket) => {
      this.accept(socket).catch(() => socket.destroy());
    });
    this.server.maxConnections = maxConnections + MAX_PENDING;
  }

  start() {
    this.active = true;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve(this.server.address().port);
      });
    });
  }

  async accept(socket) {
    if (!this.active || this.pending.size >= MAX_PENDING) return tooManyConnections(socket);
    this.pending.add(socket);
    const replay = await authenticate(socket, this.verifier, AUTH_TIMEOUT_MS);
    this.pending.delete(socket);
    if (replay === null) return;
    if (!this.active || this.handlers.size >= this.maxConnections) return tooManyConnections(socket);
    // Hold the bytes until the handler listens, then give it the startup message as if it had just arrived.
    socket.pause();
    socket.unshift(replay);
    const handler = new PGLiteSocketHandler({ queryQueue: this.queryQueue, closeOnDetach: true });
    this.handlers.add(handler);
    const release = () => this.handlers.delete(handler);
    handler.addEventListener('close', release);
    handler.addEventListener('error', release);
    await handler.attach(socket);
    socket.resume();
  }

  stop() {
    this.active = false;
    for (const socket of this.pending) socket.destroy();
    for (const handler of this.handlers) void handler.detach(true);
    this.handlers.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let db;
let server;

async function start() {
  const verifier = scramVerifier(workerData.password);
  db = await PGlite.create(workerData.dataDir);
  server = new GatedServer(new SessionQueue(db), verifier, workerData.maxConnections);
  const port = await server.start();
  parentPort.postMessage({ type: 'ready', port });
}

async function stop() {
  try {
    if (server) await server.stop();
  } finally {
    if (db && !db.closed) await db.close();
  }
}

parentPort.on('message', (message) => {
  if (!message || message.type !== 'stop') return;
  stop().then(
    () => { parentPort.postMessage({ type: 'stopped' }); parentPort.close(); },
    (error) => { parentPort.postMessage({ type: 'error', message: String(error && error.stack || error) }); parentPort.close(); },
  );
});

start().catch((error) => {
  parentPort.postMessage({ type: 'error', message: String(error && error.stack || error) });
  stop().catch(() => undefined).finally(() => parentPort.close());
});
`;
