/** Moved to src/testing (the platform benchmark drives the same stub): re-exported for the tests. */
export * from '../src/testing/fake-worker';
