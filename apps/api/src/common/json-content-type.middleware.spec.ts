import { isJsonContentType } from './json-content-type.middleware';

describe('isJsonContentType', () => {
  it.each(['application/json', 'Application/JSON; charset=utf-8', 'application/merge-patch+json', ' application/json '])('accepts %p', (type) => {
    expect(isJsonContentType(type)).toBe(true);
  });

  it.each([
    undefined, '', 'text/plain', 'text/json', 'application/jsonp', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
    'application/json-seq', 'application/x+json/extra',
  ])('refuses %p', (type) => {
    expect(isJsonContentType(type)).toBe(false);
  });
});
