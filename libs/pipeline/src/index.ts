// Public entry point; see README.md for what this project provides.
export {};
export type * from './ports/ref-diff-models';
