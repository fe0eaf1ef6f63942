/**
 * The connection pool (node-postgres' Pool) with the C library's policies:
 * per-connection set-up (empty search_path, application_name,
 * statement_timeout, lock_timeout, extension version check), pool 'error'
 * events logged and never rethrown, and one retry of idempotent calls on a
 * fresh connection after the connection was lost during the call.
 */
import { Pool } from 'pg';
import type { ClientBase, PoolClient, QueryResult } from 'pg';
import { resolveConnection } from './config';
import type { ConnectionOptions } from './config';
import { SinkError, ConfigurationError, fromServerError, isServerError, messageOf, unavailable } from './errors';
import { METHODS } from './methods';
import type { MethodSql } from './methods';

/** Version of this package. */
export const PACKAGE_VERSION = '1.1.0';
/** Oldest extension version this package works with (as GPS_REQUIRED_EXTENSION_VERSION). */
export const REQUIRED_EXTENSION_VERSION = '1.1';

/** Log levels of {@link PoolOptions.log}. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/** Pool settings; every field optional, defaults in brackets. */
export interface PoolOptions extends ConnectionOptions {
  /** Upper bound of open connections [10]. */
  max?: number;
  /**
   * Longest wait for a connection, both for opening one (TLS and
   * authentication included) and for a free slot when `max` are in use
   * [10000 ms]; then the call fails with UNAVAILABLE.  Never waits forever.
   * A connect_timeout in the connection string (seconds) takes precedence.
   */
  connectionTimeoutMillis?: number;
  /** An idle connection is closed after this long [30000 ms]. */
  idleTimeoutMillis?: number;
  /** A connection older than this is closed when it is idle or released [1800 s; 0 = unlimited]. */
  maxLifetimeSeconds?: number;
  /** statement_timeout of every connection [30000 ms; 0 = none], as the C library. */
  statementTimeoutMillis?: number;
  /** lock_timeout of every connection [5000 ms; 0 = none], as the C library. */
  lockTimeoutMillis?: number;
  /** Diagnostics (new connections, retries, pool errors); default: nothing is printed. */
  log?: (level: LogLevel, message: string) => void;
}

/** Pool figures of {@link Health}. */
export interface PoolFigures {
  /** open connections (idle + in use) */
  total: number;
  /** open and not in use */
  idle: number;
  /** calls waiting for a connection now */
  waiting: number;
  /** connections opened (set-up passed) since creation */
  created: number;
  /** calls retried after a lost connection */
  retries: number;
}

/** Result of health(). */
export interface Health {
  /** "ok" when a connection and the version check succeeded, else "unavailable". */
  status: 'ok' | 'unavailable';
  packageVersion: string;
  requiredExtensionVersion: string;
  /** installed extension version (pg_extension.extversion), when reachable */
  extensionVersion?: string;
  /** server_version, when reachable */
  serverVersion?: string;
  /** why status is "unavailable" (the error's message) */
  error?: string;
  pool: PoolFigures;
}

const HANDSHAKE_SQL =
  "SELECT pg_catalog.set_config('search_path', '', false), " +
  '(SELECT e.extversion FROM pg_catalog.pg_extension e ' +
  "WHERE e.extname OPERATOR(pg_catalog.=) 'gitproxy_sink') AS extversion, " +
  'pg_catalog.current_database() AS db';

function versionCmp(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function nonNegative(v: number | undefined, dflt: number, what: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new ConfigurationError(`invalid pool setting ${what}: ${String(v)} (a number >= 0)`);
  }
  return v;
}

/** True when the error means the connection is gone (class 08, 57P01-57P03, or a socket/protocol failure). */
function connectionLost(e: unknown): boolean {
  if (isServerError(e)) {
    const c = (e as { code: string }).code;
    return c.startsWith('08') || c === '57P01' || c === '57P02' || c === '57P03';
  }
  return true;
}

/**
 * What {@link SinkPool.pool} exposes of node-postgres' Pool (so the public
 * types need no @types/pg): one-statement queries and the counters.
 */
export interface PgPoolLike {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** A pool plus the call policy; one per sink or standalone session store. */
export class SinkPool {
  private readonly pg: Pool;
  private readonly log: (level: LogLevel, message: string) => void;
  private readonly born = new WeakMap<PoolClient, number>();
  private lostAt = 0;
  private created = 0;
  private retries = 0;
  private ending: Promise<void> | undefined;

  constructor(o: PoolOptions = {}) {
    const conn = resolveConnection(o);
    const max = nonNegative(o.max, 10, 'max');
    if (max < 1 || !Number.isInteger(max)) throw new ConfigurationError(`invalid pool setting max: ${max} (an integer >= 1)`);
    const connectMs = conn.connectTimeoutSeconds !== undefined
      ? conn.connectTimeoutSeconds * 1000 : nonNegative(o.connectionTimeoutMillis, 10000, 'connectionTimeoutMillis');
    if (connectMs === 0) throw new ConfigurationError('invalid pool setting connectionTimeoutMillis: 0 (must be > 0: never wait forever)');
    const stmt = nonNegative(o.statementTimeoutMillis, 30000, 'statementTimeoutMillis');
    const lock = nonNegative(o.lockTimeoutMillis, 5000, 'lockTimeoutMillis');
    this.log = o.log ?? (() => undefined);
    this.pg = new Pool({
      host: conn.host,
      port: conn.port,
      user: conn.user,
      database: conn.database,
      password: conn.password,
      ssl: conn.ssl,
      application_name: conn.application_name,
      statement_timeout: stmt > 0 ? stmt : undefined,
      lock_timeout: lock > 0 ? lock : undefined,
      keepAlive: true,
      max,
      connectionTimeoutMillis: connectMs,
      idleTimeoutMillis: nonNegative(o.idleTimeoutMillis, 30000, 'idleTimeoutMillis'),
      maxLifetimeSeconds: nonNegative(o.maxLifetimeSeconds, 1800, 'maxLifetimeSeconds'),
      onConnect: (client: ClientBase) => this.setUp(client as PoolClient),
    });
    // an idle connection that fails (server restart, pg_terminate_backend)
    // must never crash the host process
    this.pg.on('error', (err) => this.log('warning', `idle connection failed and was discarded: ${messageOf(err)}`));
  }

  /** The node-postgres pool (benchmarks, diagnostics); its connections have the same set-up. */
  get pool(): PgPoolLike {
    return this.pg as unknown as PgPoolLike;
  }

  private async setUp(client: PoolClient): Promise<void> {
    // errors between two calls of a checked-out client must not crash either
    client.on('error', (err) => this.log('warning', `connection failed: ${messageOf(err)}`));
    const r = await client.query(HANDSHAKE_SQL);
    const row = r.rows[0] as { extversion: string | null; db: string };
    if (row.extversion === null) {
      throw unavailable(`extension gitproxy_sink is not installed in database "${row.db}": run CREATE EXTENSION gitproxy_sink`);
    }
    if (versionCmp(row.extversion, REQUIRED_EXTENSION_VERSION) < 0) {
      throw unavailable(`extension gitproxy_sink version ${row.extversion} in database "${row.db}" is older than version ` +
        `${REQUIRED_EXTENSION_VERSION} required by the gitproxy-sink package: run ALTER EXTENSION gitproxy_sink UPDATE`);
    }
    this.born.set(client, Date.now());
    this.created++;
    this.log('debug', `connected to database "${row.db}" (extension ${row.extversion})`);
  }

  private async acquire(fresh: boolean): Promise<PoolClient> {
    if (this.ending) throw unavailable('the sink was closed');
    for (let i = 0; ; i++) {
      let client: PoolClient;
      try {
        client = await this.pg.connect();
      } catch (e) {
        if (e instanceof SinkError) throw e;
        throw unavailable(`could not connect to the database: ${messageOf(e)}`, e);
      }
      // a retry wants a connection opened after the loss, not an idle one
      // that may have died with it
      const born = this.born.get(client) ?? 0;
      if (!fresh || born >= this.lostAt || i > this.pg.options.max) return client;
      client.release(true);
    }
  }

  /**
   * Run one method's statement with the retry policy; rows as node-postgres
   * returns them.  The first attempt uses callbacks, the way pool.query()
   * itself is built, so a call costs what pool.query() costs.
   */
  run<R = Record<string, unknown>>(m: MethodSql, values: unknown[]): Promise<R[]> {
    return new Promise<R[]>((resolve, reject) => {
      if (this.ending) {
        reject(unavailable('the sink was closed'));
        return;
      }
      this.pg.connect((err, client, done) => {
        if (err || !client) {
          reject(err instanceof SinkError ? err : unavailable(`could not connect to the database: ${messageOf(err)}`, err));
          return;
        }
        client.query(m.text, values, (qerr: Error | null, res: QueryResult) => {
          if (!qerr) {
            done();
            resolve(res.rows as R[]);
            return;
          }
          const lost = connectionLost(qerr);
          done(lost ? qerr : undefined);
          if (!lost) reject(fromServerError(qerr));
          else this.afterLoss(m, values, qerr).then((rows) => resolve(rows as R[]), reject);
        });
      });
    });
  }

  /** The connection was lost during m: retry once on a fresh connection if idempotent, else fail. */
  private async afterLoss(m: MethodSql, values: unknown[], e: Error): Promise<unknown[]> {
    this.lostAt = Date.now();
    if (!m.idempotent) {
      throw unavailable(`connection to the server lost during ${m.name}; it is not retried and may or may not ` +
        `have been applied: ${messageOf(e)}`, e);
    }
    this.retries++;
    this.log('warning', `connection lost during ${m.name}, retrying once on a new connection: ${messageOf(e)}`);
    const client = await this.acquire(true);
    try {
      const res = await client.query(m.text, values);
      client.release();
      return res.rows;
    } catch (e2) {
      const lost = connectionLost(e2);
      client.release(lost ? (e2 as Error) : undefined);
      if (!lost) throw fromServerError(e2);
      this.lostAt = Date.now();
      throw unavailable(`connection to the server lost during ${m.name} (also on retry): ${messageOf(e2)}`, e2);
    }
  }

  /**
   * An unpaged listing read in keyset pages: `m` runs again and again on one
   * connection inside one REPEATABLE READ READ ONLY transaction (one
   * snapshot, as one statement would read), `values[cursorAt]` set to the
   * `cursor` column of the previous page's last row, until a page has fewer
   * than `pageRows` rows.  The rows of every page, in order.  Server errors
   * as {@link run}; a lost connection reads the whole listing again once on
   * a fresh connection (listings are idempotent).
   */
  async runPages<R extends { cursor: string }>(m: MethodSql, values: unknown[], cursorAt: number,
    pageRows: number): Promise<R[]> {
    for (let attempt = 0; ; attempt++) {
      const client = await this.acquire(attempt > 0);
      const args = values.slice();
      const rows: R[] = [];
      let failed: unknown;
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        for (;;) {
          const res = await client.query(m.text, args);
          const page = res.rows as R[];
          for (const r of page) rows.push(r);
          if (page.length < pageRows) break;
          args[cursorAt] = (page[page.length - 1] as R).cursor;
        }
        await client.query('COMMIT');
        client.release();
        return rows;
      } catch (e) {
        failed = e;
      }
      if (!connectionLost(failed)) {
        try {
          await client.query('ROLLBACK');
          client.release();
        } catch (e2) {
          client.release(e2 as Error);
        }
        throw fromServerError(failed);
      }
      client.release(failed as Error);
      this.lostAt = Date.now();
      if (attempt > 0) {
        throw unavailable(`connection to the server lost during ${m.name} (also on retry): ${messageOf(failed)}`, failed);
      }
      this.retries++;
      this.log('warning', `connection lost during ${m.name}, retrying once on a new connection: ${messageOf(failed)}`);
    }
  }

  /** Pool figures. */
  figures(): PoolFigures {
    return {
      total: this.pg.totalCount,
      idle: this.pg.idleCount,
      waiting: this.pg.waitingCount,
      created: this.created,
      retries: this.retries,
    };
  }

  /** Resolves once a connection is open and its set-up (version check) passed; rejects with the reason. */
  async ready(): Promise<void> {
    const c = await this.acquire(false);
    c.release();
  }

  /** Status, versions and pool figures; never rejects. */
  async health(): Promise<Health> {
    const base = { packageVersion: PACKAGE_VERSION, requiredExtensionVersion: REQUIRED_EXTENSION_VERSION };
    try {
      const rows = await this.run<{ extversion: string; server_version: string }>(METHODS.health, []);
      const row = rows[0];
      if (!row) throw unavailable('extension gitproxy_sink is not installed: run CREATE EXTENSION gitproxy_sink');
      return { status: 'ok', ...base, extensionVersion: row.extversion, serverVersion: row.server_version, pool: this.figures() };
    } catch (e) {
      return { status: 'unavailable', ...base, error: messageOf(e), pool: this.figures() };
    }
  }

  /** Ends the pool (waits for checked-out connections); calling it again returns the same promise. */
  close(): Promise<void> {
    this.ending ??= this.pg.end();
    return this.ending;
  }
}
