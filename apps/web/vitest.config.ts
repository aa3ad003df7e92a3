import { projectTestConfig } from '../../vitest.shared.ts';

// Browser tests start a gateway and Chromium per file: one file at a time on a 2-core machine.
export default projectTestConfig('@refdiff/web', { fileParallelism: false, testTimeout: 120_000, hookTimeout: 180_000 });
