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
 * Protocol (parent ⇄ worker): → workerData {dataDir, pglitePath, socketPath, maxConnections};
 * ← {type:'ready', port} | {type:'error', message}; → {type:'stop'}; ← {type:'stopped'}.
 */
export const PGLITE_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglitePath);
const { PGLiteSocketServer } = require(workerData.socketPath);

let db;
let server;

async function start() {
  db = await PGlite.create(workerData.dataDir);
  server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: workerData.maxConnections });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
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
