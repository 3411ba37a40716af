export * from './account-id.js';
export * from './contact-code.js';
