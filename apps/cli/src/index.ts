export { buildProgram, main } from './main';
export type { CommandRegistrar } from './registrars';
