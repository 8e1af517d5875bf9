/**
 * Source of the password check in front of the embedded database, spliced
 * into the PGlite worker (pglite-worker.source.ts), which runs it as plain
 * CommonJS.
 *
 * Why: PGlite answers a startup message with AuthenticationOk whatever the
 * password, and its socket server takes any loopback client, so any local
 * user could open the data behind Sluice's API keys. The gate speaks the
 * server side of the PostgreSQL startup with SCRAM-SHA-256 (RFC 5802 / 7677,
 * as PostgreSQL does it): the password never crosses the socket, and the
 * client checks the server's signature in turn. Only after a valid proof does
 * the connection reach PGlite, which then receives the client's original
 * startup message and answers it (AuthenticationOk, parameters, ready).
 *
 * Defines: scramVerifier(password) → verifier; authenticate(socket, verifier,
 * timeoutMs) → Promise<Buffer | null>: the bytes to hand to PGlite (the
 * startup message and anything after it), or null when the connection was
 * refused and closed.
 */
export const PG_PASSWORD_GATE_SOURCE = String.raw`
const crypto = require('node:crypto');

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Largest startup or SASL message accepted before authentication, in bytes. */
const MAX_AUTH_MESSAGE = 8192;
const SCRAM_ITERATIONS = 4096;
const MECHANISM = 'SCRAM-SHA-256';
const PASSWORD_MESSAGE = 'p'.charCodeAt(0);

const hmac = (key, text) => crypto.createHmac('sha256', key).update(text).digest();
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest();

/** Derived once per start: the password itself is not kept by the gate. */
function scramVerifier(password) {
  const salt = crypto.randomBytes(16);
  const salted = crypto.pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  return {
    salt: salt.toString('base64'),
    iterations: SCRAM_ITERATIONS,
    storedKey: sha256(hmac(salted, 'Client Key')),
    serverKey: hmac(salted, 'Server Key'),
  };
}

function authenticationMessage(code, text) {
  const body = Buffer.from(text ?? '', 'utf8');
  const message = Buffer.alloc(9 + body.length);
  message.write('R', 0);
  message.writeInt32BE(8 + body.length, 1);
  message.writeInt32BE(code, 5);
  body.copy(message, 9);
  return message;
}

function errorResponse(code, text) {
  const fields = Buffer.from('SFATAL\0VFATAL\0C' + code + '\0M' + text + '\0\0', 'utf8');
  const message = Buffer.alloc(5 + fields.length);
  message.write('E', 0);
  message.writeInt32BE(4 + fields.length, 1);
  fields.copy(message, 5);
  return message;
}

function startupUser(startup) {
  const parts = startup.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === 'user') return parts[i + 1];
  return '';
}

const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;

function authenticate(socket, verifier, timeoutMs) {
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    let state = 'startup';
    let startup;
    let user = '';
    let clientFirstBare;
    let gs2Header;
    let serverFirst;
    let serverNonce;

    const finish = (result) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onEnd);
      socket.off('close', onEnd);
      resolve(result);
    };
    const refuse = (code, text) => {
      socket.on('error', () => undefined);
      if (socket.writable) socket.end(errorResponse(code, text));
      setTimeout(() => socket.destroy(), 1000).unref();
      finish(null);
    };
    const onEnd = () => {
      socket.destroy();
      finish(null);
    };
    const timer = setTimeout(() => refuse('08006', 'authentication timed out'), timeoutMs);

    /** Takes one complete message off the buffer: startup-style (no type byte) or typed; undefined if incomplete. */
    const take = (typed) => {
      const header = typed ? 5 : 4;
      if (buffer.length < header) return undefined;
      const length = typed ? buffer.readInt32BE(1) : buffer.readInt32BE(0);
      if (length < 4 || length > MAX_AUTH_MESSAGE) return null;
      const total = typed ? length + 1 : length;
      if (buffer.length < total) return undefined;
      const message = buffer.subarray(0, total);
      buffer = buffer.subarray(total);
      return message;
    };

    const step = () => {
      for (;;) {
        if (state === 'startup') {
          const message = take(false);
          if (message === undefined) return;
          if (message === null || message.length < 8) return refuse('08P01', 'invalid startup packet');
          const code = message.readInt32BE(4);
          if ((code === SSL_REQUEST || code === GSSENC_REQUEST) && message.length === 8) {
            socket.write('N');
            continue;
          }
          if (code === CANCEL_REQUEST) return onEnd();
          if (code !== PROTOCOL_3) return refuse('08P01', 'unsupported frontend protocol');
          startup = Buffer.from(message);
          user = startupUser(startup);
          socket.write(authenticationMessage(10, MECHANISM + '\0\0'));
          state = 'initial';
          continue;
        }
        if (buffer.length > 0 && buffer[0] !== PASSWORD_MESSAGE) {
          return refuse('28000', 'password authentication is required (SCRAM-SHA-256)');
        }
        const message = take(true);
        if (message === undefined) return;
        if (message === null) return refuse('08P01', 'invalid authentication message');
        const body = message.subarray(5);
        if (state === 'initial') {
          const end = body.indexOf(0);
          if (end < 0 || body.toString('utf8', 0, end) !== MECHANISM || body.length < end + 5) {
            return refuse('28000', 'password authentication is required (SCRAM-SHA-256)');
          }
          const clientFirst = body.toString('utf8', end + 5, end + 5 + Math.max(0, body.readInt32BE(end + 1)));
          const parsed = /^([ny],,)(n=[^,]*,r=([^,]+))$/.exec(clientFirst);
          if (!parsed || !PRINTABLE.test(parsed[3])) return refuse('08P01', 'invalid SCRAM client-first-message');
          gs2Header = parsed[1];
          clientFirstBare = parsed[2];
          serverNonce = parsed[3] + crypto.randomBytes(18).toString('base64');
          serverFirst = 'r=' + serverNonce + ',s=' + verifier.salt + ',i=' + verifier.iterations;
          socket.write(authenticationMessage(11, serverFirst));
          state = 'final';
          continue;
        }
        // state === 'final': c=<channel binding>,r=<nonce>,p=<proof>
        const clientFinal = body.toString('utf8');
        const cut = clientFinal.lastIndexOf(',p=');
        const withoutProof = cut < 0 ? '' : clientFinal.slice(0, cut);
        const proof = Buffer.from(cut < 0 ? '' : clientFinal.slice(cut + 3), 'base64');
        const expectedStart = 'c=' + Buffer.from(gs2Header).toString('base64') + ',r=' + serverNonce;
        let valid = proof.length === 32 && (withoutProof === expectedStart || withoutProof.startsWith(expectedStart + ','));
        const authMessage = clientFirstBare + ',' + serverFirst + ',' + withoutProof;
        if (valid) {
          const signature = hmac(verifier.storedKey, authMessage);
          const clientKey = Buffer.alloc(32);
          for (let i = 0; i < 32; i++) clientKey[i] = proof[i] ^ signature[i];
          valid = crypto.timingSafeEqual(sha256(clientKey), verifier.storedKey);
        }
        if (!valid) return refuse('28P01', 'password authentication failed for user "' + user.replace(/[^\x20-\x7e]/g, '?') + '"');
        socket.write(authenticationMessage(12, 'v=' + hmac(verifier.serverKey, authMessage).toString('base64')));
        return finish(Buffer.concat([startup, buffer]));
      }
    };

    const onData = (chunk) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      if (buffer.length > 2 * MAX_AUTH_MESSAGE) return refuse('08P01', 'authentication message too long');
      step();
    };

    socket.on('data', onData);
    socket.on('error', onEnd);
    socket.on('close', onEnd);
  });
}
`;
