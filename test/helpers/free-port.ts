export { freePort } from '../../src/cli/federation-demo/node-process.js';
