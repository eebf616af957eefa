/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // .wasm and .ttf imported as file paths, as esbuild's file loader does in the Lambda bundles.
    '^.+\\.(wasm|ttf)$': '<rootDir>/tests/helpers/file-path-transform.cjs',
  },
  // Packages stay untransformed, except the .wasm and .ttf files above.
  transformIgnorePatterns: ['/node_modules/(?!.+\\.(wasm|ttf)$)'],
  setupFiles: ['<rootDir>/tests/setup-env.ts'],
  // marked ships only an ES module (and a UMD build for browsers); Jest's CommonJS runtime on Node 20
  // cannot require the former, so tests load the UMD build. esbuild, tsx and Node use the ES module.
  moduleNameMapper: { '^marked$': '<rootDir>/node_modules/marked/lib/marked.umd.js' },
  testTimeout: 30000,
};
