import { QueryFailedError } from 'typeorm';
import { StoreConflictError } from '../store.errors';
import { asUnstorable } from './unstorable-value';

function driverError(code: string, message: string, detail?: string): QueryFailedError {
  return new QueryFailedError('INSERT …', [], Object.assign(new Error(message), { code, detail }));
}

describe('asUnstorable', () => {
  it.each([
    ['a lone surrogate in jsonb (22P02)', driverError('22P02', 'invalid input syntax for type json', 'Unicode low surrogate must follow a high surrogate.'), /22P02.*surrogate/],
    ['a NUL in jsonb (22P05)', driverError('22P05', 'unsupported Unicode escape sequence', '\\u0000 cannot be converted to text.'), /22P05.*u0000/],
    ['JSON nested past the server stack (54001)', driverError('54001', 'stack depth limit exceeded'), /54001.*stack depth/],
    ['a value too deep to serialise', new RangeError('Maximum call stack size exceeded'), /cannot be written as JSON.*call stack/],
  ])('names %s as unstorable', (_name, error, message) => {
    const refused = asUnstorable(error);
    expect(refused).toMatchObject({ code: 'unstorable', name: 'UnstorableValueError' });
    expect(refused?.message).toMatch(message);
    expect(refused?.cause).toBe(error);
  });

  it.each([
    ['a lost connection', driverError('08006', 'connection failure')],
    ['a terminated backend', driverError('57P01', 'terminating connection due to administrator command')],
    ['a unique violation', driverError('23505', 'duplicate key value violates unique constraint')],
    ['a write conflict', new StoreConflictError('run moved', ['run-1'])],
    ['a plain error', new Error('Connection terminated unexpectedly')],
  ])('leaves %s alone', (_name, error) => {
    expect(asUnstorable(error)).toBeUndefined();
  });
});
