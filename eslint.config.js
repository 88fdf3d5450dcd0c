// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: ['node_modules/', '**/dist/', 'dist-electron/', 'data/', 'coverage/', '**/*.cjs', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // With noUncheckedIndexedAccess every indexed read is `T | undefined`; `!` is how the code
      // says "this index was just established" (a row we inserted, a key from Object.keys).
      // Replacing each one with a runtime throw would add noise, not safety.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Fastify handlers and plugins are async by contract (a returned value is the reply, the
      // plugin's promise ends registration), and several interfaces (CredentialStore, exporters'
      // batch generators) are async so that a later implementation may wait. An async function
      // without an await is correct there.
      '@typescript-eslint/require-await': 'off',
      // Numbers and booleans print the same way everywhere; the rule is kept for objects,
      // nullish values and `any`, which are the real mistakes.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      // `(x) => void doSomething(x)` would be the only fix for `(x) => doSomething(x)` callbacks,
      // which are common with event emitters and test helpers; shorthand arrows are allowed.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // fast-xml-parser 5 marks its validator and builder deprecated in favour of separate
      // packages (fast-xml-validator, fast-xml-builder) that are not installed; the CAP import and
      // export (server/comms/cap.ts) use them until they move. Every other deprecation is an error.
      '@typescript-eslint/no-deprecated': [
        'error',
        { allow: [{ from: 'package', package: 'fast-xml-parser', name: ['XMLValidator', 'XMLBuilder'] }] },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  // Layering (docs/decisions/007): what each area may import, and who may read the system time.
  {
    files: ['server/routes/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'better-sqlite3',
              message:
                'Routes reach the database through repositories or services (app.repos, server/services).',
            },
          ],
          patterns: [
            {
              group: ['**/db/*', '#server/db/*'],
              message:
                'Routes reach the database through repositories or services (app.repos, server/services).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(node:|#server/|#player/|(\\.\\./)+(server|player)/)',
              message: 'shared/ is pure TypeScript: no Node modules, and nothing from server/ or player/.',
            },
            {
              regex:
                '^(fs|path|os|crypto|http|https|net|stream|child_process|url|util|zlib|electron|ws|better-sqlite3)(/|$)',
              message: 'shared/ is pure TypeScript: no Node modules, Electron, ws or SQLite.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts', 'server/**/*.ts', 'player/**/*.ts'],
    ignores: ['shared/clock.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Only shared/clock.ts reads the system time: take a Clock and call clock.now().',
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Only shared/clock.ts reads the system time: use new Date(clock.now()).',
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: 'Only shared/clock.ts reads the system time: format clock.now() instead.',
        },
      ],
    },
  },
  {
    // Tests read JSON responses whose shape is exactly what they assert: the test client types a
    // body as `any` unless the test names a type, and `expect(...)` is the check. Typing every
    // response would restate the shared schemas in each test. Source code keeps these rules.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
