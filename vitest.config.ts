import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    clearMocks: true,
    restoreMocks: true,
    unstubEnvs: true,
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2-core CI: a few forks; e2e tests spawn CLI processes of their own.
    pool: 'forks',
    maxWorkers: 3,
    env: {NO_COLOR: '1', FORCE_COLOR: '0'},
    reporters: ['default', './test/helpers/closing-line-reporter.ts'],
  },
})
