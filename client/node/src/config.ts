/**
 * Connection settings: where the server is (options.connectionString, else
 * GIT_PROXY_POSTGRES_CONNECTION_STRING, else libpq-style PG* variables) and
 * the discrete node-postgres fields built from it.  The connection string is
 * parsed here, once, into host/port/user/password/database/ssl, so that
 * explicit options (notably an async `password` callback and `ssl`) are never
 * silently replaced by values node-postgres would derive from a URL.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConfigurationError } from './errors';

/** Name of the environment variable git-proxy's PostgreSQL sink reads. */
export const ENV_CONNECTION_STRING = 'GIT_PROXY_POSTGRES_CONNECTION_STRING';

/** PG* variables that name a server; one of them must be set for the PG* fallback. */
const SERVER_ENV = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE'] as const;

/**
 * A password, or a function giving one for each new connection (sync or
 * async), e.g. `() => signer.getAuthToken()` for AWS RDS IAM tokens.
 */
export type PasswordOption = string | (() => string | Promise<string>);

/** Connection part of {@link SinkOptions}. */
export interface ConnectionOptions {
  /**
   * libpq URI ("postgresql://user@db:5432/gitproxy?sslmode=verify-full") or
   * keyword/value string ("host=db dbname=gitproxy sslmode=verify-full").
   * Default: GIT_PROXY_POSTGRES_CONNECTION_STRING, else the PG* variables
   * (PGHOST, PGHOSTADDR, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE,
   * PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, PGAPPNAME, PGCONNECT_TIMEOUT; at least
   * one of the first four must be set).
   */
  connectionString?: string;
  /** Overrides the host of the connection string (a directory = Unix socket). */
  host?: string;
  /** Overrides the port. */
  port?: number;
  /** Overrides the user name. */
  user?: string;
  /** Overrides the database name. */
  database?: string;
  /** Password or password callback; wins over a password in the connection string. */
  password?: PasswordOption;
  /**
   * TLS options of node:tls (ca, cert, key, servername, rejectUnauthorized,
   * ...), merged over what `sslmode`/`sslrootcert`/`sslcert`/`sslkey` of the
   * connection string give (these keys win); `false` turns TLS off.
   */
  ssl?: TlsOptions | boolean;
  /** application_name of every connection. Default: connection string / PGAPPNAME, else "gitproxy-sink". */
  applicationName?: string;
  /** Environment to read instead of process.env (tests). */
  env?: Record<string, string | undefined>;
}

/** Fields handed to node-postgres (subset of its ClientConfig). */
export interface ResolvedConnection {
  host?: string;
  port?: number;
  user?: string;
  database?: string;
  password?: PasswordOption;
  ssl?: TlsOptions | boolean;
  application_name: string;
  /** seconds, from connect_timeout / PGCONNECT_TIMEOUT, when given */
  connectTimeoutSeconds?: number;
  /** Where the server came from: "options", the variable name, or "PG* environment". */
  origin: string;
}

const KNOWN_KEYS = new Set([
  'host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'sslmode', 'sslrootcert', 'sslcert',
  'sslkey', 'application_name', 'fallback_application_name', 'connect_timeout', 'options',
]);

/** Parse a libpq keyword/value string ("host=a port=5432 password='x y'"). */
function parseKeywordValue(s: string, origin: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = s.length;
  const bad = (why: string) => new ConfigurationError(`invalid connection string in ${origin}: ${why}`);
  while (i < n) {
    while (i < n && /\s/.test(s[i] as string)) i++;
    if (i >= n) break;
    let key = '';
    while (i < n && s[i] !== '=' && !/\s/.test(s[i] as string)) key += s[i++];
    while (i < n && /\s/.test(s[i] as string)) i++;
    if (s[i] !== '=') throw bad(`missing "=" after "${key}"`);
    i++;
    while (i < n && /\s/.test(s[i] as string)) i++;
    let val = '';
    if (s[i] === "'") {
      i++;
      for (;;) {
        if (i >= n) throw bad('unterminated quoted string');
        const c = s[i++] as string;
        if (c === "'") break;
        if (c === '\\' && i < n) val += s[i++];
        else val += c;
      }
    } else {
      while (i < n && !/\s/.test(s[i] as string)) {
        const c = s[i++] as string;
        if (c === '\\' && i < n) val += s[i++];
        else val += c;
      }
    }
    out.set(key, val);
  }
  return out;
}

/** Parse a postgres:// or postgresql:// URI into libpq keywords. */
function parseUri(s: string, origin: string): Map<string, string> {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new ConfigurationError(`invalid connection string in ${origin}: not a valid URI`);
  }
  const out = new Map<string, string>();
  const dec = (v: string) => {
    try {
      return decodeURIComponent(v);
    } catch {
      throw new ConfigurationError(`invalid connection string in ${origin}: bad percent-encoding`);
    }
  };
  if (u.hostname) out.set('host', dec(u.hostname.replace(/^\[(.*)\]$/, '$1')));
  if (u.port) out.set('port', u.port);
  if (u.username) out.set('user', dec(u.username));
  if (u.password) out.set('password', dec(u.password));
  const db = u.pathname.replace(/^\//, '');
  if (db) out.set('dbname', dec(db));
  for (const [k, v] of u.searchParams) out.set(k, v);
  return out;
}

function parseConnectionString(s: string, origin: string): Map<string, string> {
  const kv = /^postgres(ql)?:\/\//i.test(s) ? parseUri(s, origin) : parseKeywordValue(s, origin);
  for (const k of kv.keys()) {
    if (!KNOWN_KEYS.has(k)) {
      throw new ConfigurationError(`invalid connection string in ${origin}: invalid connection option "${k}"`);
    }
  }
  return kv;
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigurationError(`cannot read ${what} "${path}": ${(e as Error).message}`);
  }
}

/**
 * TLS object for libpq's sslmode and certificate files, with libpq's meaning:
 * disable = no TLS; allow/prefer/require = encrypted, server not verified
 * (require with a root certificate verifies the CA, as libpq does);
 * verify-ca = CA checked, host name not; verify-full = both.
 */
function sslFromLibpq(mode: string | undefined, rootcert: string | undefined, cert: string | undefined,
  key: string | undefined): TlsOptions | false | undefined {
  if (mode === undefined && rootcert === undefined && cert === undefined && key === undefined) return undefined;
  const m = mode ?? (rootcert ? 'verify-full' : 'prefer');
  if (m === 'disable') return false;
  if (!['allow', 'prefer', 'require', 'verify-ca', 'verify-full'].includes(m)) {
    throw new ConfigurationError(`invalid sslmode value: "${m}"`);
  }
  const ssl: TlsOptions = {};
  if (rootcert && rootcert !== 'system') ssl.ca = readFile(rootcert, 'sslrootcert').toString();
  if (cert) ssl.cert = readFile(cert, 'sslcert').toString();
  if (key) ssl.key = readFile(key, 'sslkey').toString();
  const verifyCa = m === 'verify-ca' || (m === 'require' && rootcert !== undefined);
  if (m === 'verify-full') ssl.rejectUnauthorized = true;
  else if (verifyCa) {
    ssl.rejectUnauthorized = true;
    ssl.checkServerIdentity = () => undefined;
  } else ssl.rejectUnauthorized = false;
  return ssl;
}

/**
 * Resolve where to connect.  Precedence: options.connectionString, then
 * GIT_PROXY_POSTGRES_CONNECTION_STRING, then the PG* variables; discrete
 * options (host, port, user, database, password, ssl, applicationName) win
 * over the string.  Throws ConfigurationError "No database configured: ..."
 * when nothing names a server, and for a malformed string.
 */
export function resolveConnection(o: ConnectionOptions): ResolvedConnection {
  const env = o.env ?? process.env;
  let kv: Map<string, string>;
  let origin: string;
  if (o.connectionString) {
    origin = 'options.connectionString';
    kv = parseConnectionString(o.connectionString, origin);
  } else if (env[ENV_CONNECTION_STRING]) {
    origin = ENV_CONNECTION_STRING;
    kv = parseConnectionString(env[ENV_CONNECTION_STRING] as string, origin);
  } else if (SERVER_ENV.some((k) => env[k]) || o.host) {
    origin = o.host ? 'options' : 'PG* environment';
    kv = new Map();
  } else {
    throw new ConfigurationError(
      'No database configured: pass options.connectionString (git-proxy sink[].connectionString), set ' +
        `${ENV_CONNECTION_STRING}, or set one of ${SERVER_ENV.join(', ')}`);
  }
  // libpq: a value missing from the string comes from the PG* environment
  const pick = (k: string, e: string) => kv.get(k) ?? (env[e] || undefined);
  const portText = pick('port', 'PGPORT');
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ConfigurationError(`invalid port number: "${portText}"`);
    }
  }
  const ctText = pick('connect_timeout', 'PGCONNECT_TIMEOUT');
  const ct = ctText === undefined ? undefined : Number(ctText);
  if (ct !== undefined && !Number.isFinite(ct)) throw new ConfigurationError(`invalid connect_timeout: "${ctText}"`);
  if (kv.has('options')) throw new ConfigurationError('the "options" connection parameter is not supported; use the pool settings');

  const fromString = sslFromLibpq(pick('sslmode', 'PGSSLMODE'), pick('sslrootcert', 'PGSSLROOTCERT'),
    pick('sslcert', 'PGSSLCERT'), pick('sslkey', 'PGSSLKEY'));
  let ssl: TlsOptions | boolean | undefined;
  if (o.ssl === false || o.ssl === true) ssl = o.ssl;
  else if (o.ssl) ssl = { ...(fromString || {}), ...o.ssl };
  else ssl = fromString;

  return {
    host: o.host ?? kv.get('host') ?? kv.get('hostaddr') ?? (env.PGHOST || env.PGHOSTADDR || undefined),
    port: o.port ?? port,
    user: o.user ?? pick('user', 'PGUSER'),
    database: o.database ?? pick('dbname', 'PGDATABASE'),
    password: o.password ?? pick('password', 'PGPASSWORD'),
    ssl,
    application_name: o.applicationName ?? kv.get('application_name') ?? (env.PGAPPNAME || undefined) ??
      kv.get('fallback_application_name') ?? 'gitproxy-sink',
    connectTimeoutSeconds: ct !== undefined && ct > 0 ? Math.max(2, ct) : undefined,
    origin,
  };
}
