// ESM entry: a thin wrapper over the one CommonJS implementation, so ESM and
// CommonJS users share module state and instanceof works across both.
import cjs from '../dist/index.js';

export const {
  createSink, createSessionStore, SinkPool, PACKAGE_VERSION, REQUIRED_EXTENSION_VERSION,
  resolveConnection, ENV_CONNECTION_STRING, SinkError, ConfigurationError, DuplicateSSHKeyError,
  sqlstateCategory, deriveCreatedAt, METHODS,
} = cjs;
export default cjs;
