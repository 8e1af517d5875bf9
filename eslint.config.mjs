// Lint rules of docs/code-style.md: no floating promises, exhaustive switches,
// strict equality, no `any` in libs and the editor, no console outside tests.
import tseslint from 'typescript-eslint';

/**
 * One config block per library: `allow` lists the @sluice packages it may
 * import, `types` those it may import with `import type` only. Everything
 * else under @sluice/ is refused, and so are relative paths into another
 * library or app.
 */
function boundaries(rules) {
  return Object.entries(rules).map(([dir, { allow, types = [] }]) => ({
    files: [`${dir}/src/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: types.map((name) => ({
          name: `@sluice/${name}`,
          message: `${dir} may import @sluice/${name} as types only`,
          allowTypeImports: true,
        })),
        patterns: [
          {
            regex: `^@sluice/(?!(${[...allow, ...types].join('|') || '$^'})$)`,
            message: `${dir} may import only ${[...allow, ...types].map((name) => `@sluice/${name}`).join(', ') || 'no other @sluice package'} (docs/architecture.md)`,
          },
          { group: ['../../*', '../../../*'], message: 'import another library by its @sluice/ name' },
        ],
      }],
    },
  }));
}

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', 'test/bench/**', '**/*.js', '**/*.mjs', 'coverage/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  // Which library may import which (docs/architecture.md). The engine is pure;
  // the runtime holds application services and declares the ports (store,
  // broker, http caller, logger) that the adapter packages implement, seeing
  // the runtime as types alone; only the platform composes adapters.
  ...boundaries({
    'libs/contracts': { allow: [] },
    'libs/config': { allow: ['contracts'] },
    'libs/engine': { allow: ['contracts'] },
    'libs/store': { allow: ['contracts', 'engine'], types: ['runtime'] },
    'libs/broker': { allow: ['contracts', 'engine'], types: ['runtime'] },
    'libs/runtime': { allow: ['contracts', 'engine'] },
    'libs/platform': { allow: ['config', 'engine', 'store', 'broker', 'runtime'] },
  }),
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  // The editor (web/), type-checked against its own tsconfig, with the same
  // rules. It reaches the engine through its browser entry alone, which keeps
  // JSONata, re2js and ajv out of the entry chunk (docs/architecture.md).
  {
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { project: './web/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          {
            regex: '^@sluice/(?!(contracts|engine/browser)$)',
            message: 'web may import only @sluice/contracts and @sluice/engine/browser (docs/architecture.md)',
          },
          { regex: '^(\\.{1,2}/)+(.*/)?(libs|apps)/', message: 'import the engine as @sluice/engine/browser and contracts as @sluice/contracts' },
        ],
      }],
      // The same for `import('…')` and `typeof import('…')`, which the rule above does not see.
      'no-restricted-syntax': ['error', ...['ImportExpression > Literal.source', 'TSImportType > Literal.source'].map((node) => ({
        selector: `${node}[value=/^@sluice\\u002F(?!(contracts|engine\\u002Fbrowser)$)/]`,
        message: 'web may import only @sluice/contracts and @sluice/engine/browser (docs/architecture.md)',
      }))],
    },
  },
  {
    files: ['web/**/*.spec.ts', 'web/**/*.spec.tsx'],
    rules: { 'no-console': 'off' },
  },
);
