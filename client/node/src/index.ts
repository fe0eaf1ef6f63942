/**
 * gitproxy-sink: FINOS git-proxy's Sink and an express-session store over the
 * gitproxy_sink PostgreSQL extension.  See README.md.
 */
export { createSink } from './sink';
export type { GitProxySink, SinkOptions } from './sink';
export { createSessionStore } from './session-store';
export type { ExpressSessionModule, GitProxySessionStore, SessionStoreOptions, SessionStoreSettings } from './session-store';
export { SinkPool, PACKAGE_VERSION, REQUIRED_EXTENSION_VERSION } from './pool';
export type { Health, LogLevel, PgPoolLike, PoolFigures, PoolOptions } from './pool';
export { resolveConnection, ENV_CONNECTION_STRING } from './config';
export type { ConnectionOptions, PasswordOption, ResolvedConnection } from './config';
export { SinkError, ConfigurationError, DuplicateSSHKeyError, sqlstateCategory } from './errors';
export type { ErrorCategory } from './errors';
export { deriveCreatedAt } from './object-id';
export { METHODS } from './methods';
export type { MethodKey, MethodSql } from './methods';
export type {
  ListingOptions, PageRequest, PublicKeyRecord, PushPage, PushRecord, Query, RecordClasses, RepoActivityTabCounts,
  RepoPushRollupsByCanonicalUrl, RepoRecord, UserRecord,
} from './types';
