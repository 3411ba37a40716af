export * from './account-id.js';
export * from './contact-code.js';
export { type ServiceId, serviceIdFor } from './service-id.js';
