import { STEP_STATUSES } from '@sluice/contracts';
import { type DisplayStatus, statusToVariant } from './statusToVariant';

describe('statusToVariant', () => {
  const setup = (status: DisplayStatus) => statusToVariant(status);

  it.each<[DisplayStatus, string, string]>([
    ['idle', 'idle', 'Not run'],
    ['scheduled', 'pending', 'Queued'],
    ['running', 'running', 'Running'],
    ['retrying', 'retrying', 'Retrying'],
    ['succeeded', 'succeeded', 'Succeeded'],
    ['failed', 'caught', 'Failed · handled'],
    ['dead', 'dead', 'Dead'],
    ['skipped', 'muted', 'Skipped'],
    ['ignored', 'muted', 'Ignored'],
  ])('maps %s to the %s tone', (status, tone, label) => {
    expect(setup(status)).toMatchObject({ tone, label });
  });

  it('marks only in-flight statuses live', () => {
    const live = [...STEP_STATUSES, 'ignored', 'idle'].filter((status) => setup(status as DisplayStatus).live);
    expect(live.sort()).toEqual(['retrying', 'running', 'scheduled']);
  });

  it('has a variant for every step status the contract knows', () => {
    for (const status of STEP_STATUSES) expect(() => setup(status)).not.toThrow();
  });
});
