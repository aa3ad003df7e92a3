/** Test fixtures of @refdiff/models for other projects' tests (`@refdiff/models/testing`). */
export { copyRealExports, findRealExports, realExportsAvailable } from './real-exports';
