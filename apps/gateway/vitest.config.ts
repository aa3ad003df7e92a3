import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('@refdiff/gateway', { globalSetup: ['./test/global-setup.ts'] });
