import { QueryFailedError } from 'typeorm';
import { isStoreUnavailable, StoreConflictError } from './store.errors';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isStoreUnavailable', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a connection ended under a query', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['a terminated backend (57P01)', withCode('terminating connection due to administrator command', '57P01')],
    ['a server starting up (57P03)', withCode('the database system is starting up', '57P03')],
    ['a connection exception (08006)', withCode('connection failure', '08006')],
    ['too many connections (53300)', withCode('sorry, too many clients already', '53300')],
    ['a socket error from another realm (not instanceof Error)', { code: 'ECONNRESET', message: 'connect ECONNRESET 127.0.0.1:5432' }],
    ['a driver error inside TypeORM', new QueryFailedError('SELECT 1', [], withCode('read ECONNRESET', 'ECONNRESET'))],
  ])('says yes to %s', (_name, error) => {
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], withCode('duplicate key value', '23505'))],
    ['a serialization failure', withCode('could not serialize access', '40001')],
    ['a value the store refuses', withCode('unsupported Unicode escape sequence', '22P05')],
    ['a write conflict', new StoreConflictError('run moved', ['run-1'])],
    ['a plain error', new Error('boom')],
    ['something that is not an error', 'ECONNRESET'],
  ])('says no to %s', (_name, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
  });
});
