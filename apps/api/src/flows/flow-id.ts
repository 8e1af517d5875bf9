import { DomainError } from '@sluice/runtime';
import { isUuid } from '../common/request-validation';

/**
 * The `:id` of a flow route. Flow ids are UUIDs, so anything else names no
 * flow and answers 404 `not_found`, like an id that was never created.
 */
export function flowId(id: string): string {
  if (!isUuid(id)) throw new DomainError('not_found', `Flow ${id} does not exist`);
  return id;
}
