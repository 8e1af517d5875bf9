import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settingsSchema } from './settings';

/** docs/settings.md and the README's Configuration table name every variable Sluice reads, and no other. */
describe('the settings reference', () => {
  const root = join(__dirname, '..', '..', '..');
  const variables = [...Object.keys(settingsSchema.shape), 'SLUICE_SECRET_<NAME>'];
  const ROW = /^\| `([A-Z][A-Z0-9_]*(?:<NAME>)?)` \|/gm;

  /** The text of a file, or of one `## ` section of it. */
  function text(file: string, section?: string): string {
    const whole = readFileSync(join(root, file), 'utf8');
    if (section === undefined) return whole;
    const start = whole.indexOf(`\n## ${section}\n`);
    expect(start).toBeGreaterThan(-1);
    const end = whole.indexOf('\n## ', start + 1);
    return whole.slice(start, end === -1 ? undefined : end);
  }

  const references = [
    { file: 'README.md', body: () => text('README.md', 'Configuration') },
    { file: 'docs/settings.md', body: () => text('docs/settings.md') },
  ];

  it.each(references)('$file names every setting', ({ body }) => {
    const written = body();
    expect(variables.filter((name) => !written.includes(`\`${name}\``))).toEqual([]);
  });

  it.each(references)('$file has a row only for settings Sluice reads', ({ body }) => {
    const known = new Set(variables);
    const rows = [...body().matchAll(ROW)].map((match) => match[1]!);
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((name) => !known.has(name))).toEqual([]);
  });

  it('docs/settings.md gives every setting a row of its own', () => {
    const rows = new Set([...text('docs/settings.md').matchAll(ROW)].map((match) => match[1]!));
    expect(variables.filter((name) => !rows.has(name))).toEqual([]);
  });
});
