import { jsonPreview } from './jsonPreview';

describe('jsonPreview', () => {
  it('shows a short value whole', () => {
    expect(jsonPreview({ ok: true })).toEqual({ text: '{\n  "ok": true\n}', head: '{\n  "ok": true\n}', lines: 3, long: false });
  });

  it('collapses a value of many lines to its first lines', () => {
    const preview = jsonPreview(Array.from({ length: 20 }, (_, index) => index), 4);
    expect(preview.long).toBe(true);
    expect(preview.lines).toBe(22);
    expect(preview.head).toBe('[\n  0,\n  1,\n  2,\n…');
  });

  it('collapses one very long line too', () => {
    const preview = jsonPreview('x'.repeat(5000));
    expect(preview.long).toBe(true);
    expect(preview.head.length).toBeLessThan(700);
  });

  it('shows no output as empty', () => {
    expect(jsonPreview(undefined)).toMatchObject({ text: '', long: false });
  });
});
