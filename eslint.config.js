import tseslint from 'typescript-eslint';
import layering from './scripts/eslint/layering.js';

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'lab/bin/**', 'lab/.state/**', 'test-results/**', 'playwright-report/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js}'],
    plugins: { fleetdeck: { rules: { layering } } },
    rules: {
      'fleetdeck/layering': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
