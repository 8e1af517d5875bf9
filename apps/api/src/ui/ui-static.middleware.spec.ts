import { isApiPath } from './ui-static.middleware';

describe('isApiPath', () => {
  it.each([
    '/api', '/api/flows', '/API/flows', '/Api/Flows', '//api/flows', '/%61pi/flows', '/%2561pi/flows', '/api%2Fflows',
    '/health/live', '/HEALTH/live', '/metrics', '/METRICS', '/demo/fulfil', '/%64emo/fulfil', '/%E0%A4%A/flows', '\\api\\flows',
  ])('counts %p as the API', (path) => {
    expect(isApiPath(path)).toBe(true);
  });

  it.each(['/', '/flows/abc', '/runs/1', '/retries', '/dead-letters', '/apis', '/metricsx', '/assets/app.js'])('counts %p as the editor', (path) => {
    expect(isApiPath(path)).toBe(false);
  });
});
