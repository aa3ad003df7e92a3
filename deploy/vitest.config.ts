import { projectTestConfig } from '../vitest.shared.ts';

export default projectTestConfig('@refdiff/deploy', { include: ['test/**/*.spec.ts', 'tools/**/*.spec.ts'] });
