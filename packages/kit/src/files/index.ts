export * from './private-folder.js';
