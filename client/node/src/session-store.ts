/**
 * express-session Store over the gitproxy.session_* functions (README "Web
 * sessions").  Built as a subclass of the application's own session.Store
 * (express-session calls createSession/regenerate/load from the base class),
 * so the factory takes the express-session module.  Database errors are
 * always passed to the callback (express-session turns them into next(err)),
 * never answered as "not found"; expiry is decided by the database clock.
 */
import type { SessionData, Store } from 'express-session';
import { messageOf } from './errors';
import { METHODS } from './methods';
import { SinkPool } from './pool';
import type { LogLevel, PoolOptions } from './pool';

/** What the factory needs of the express-session module: its Store class. */
export interface ExpressSessionModule {
  Store: typeof Store;
}

/** Store settings. */
export interface SessionStoreSettings {
  /**
   * Interval of the expired-session pruning [900000 ms = 15 min]; 0 turns it
   * off (then schedule gitproxy.session_prune elsewhere, e.g. pg_cron).  The
   * timer is unref'd; failures are logged, never thrown.
   */
  pruneIntervalMs?: number;
  /** Rows deleted per gitproxy.session_prune call [1000]; a run repeats while a call removes a full batch. */
  pruneBatch?: number;
  /** Diagnostics (prune failures); default: the pool's log option, else nothing. */
  log?: (level: LogLevel, message: string) => void;
}

/** Options of {@link createSessionStore}: store settings plus either a sink's pool or connection/pool settings of its own. */
export interface SessionStoreOptions extends SessionStoreSettings, PoolOptions {
  /** Share the pool of this sink (from createSink) instead of opening one. */
  sink?: { readonly pool: SinkPool };
  /** @internal the pool to use (createSink passes its own) */
  pool?: SinkPool;
}

/** The store: an express-session Store plus readiness, per-user logout and pruning. */
export type GitProxySessionStore = Store & {
  /**
   * Resolves once the database answers a session call (connection, version
   * check and EXECUTE privilege); rejects with the reason.  Await it before
   * the application listens.
   */
  ready(): Promise<void>;
  /** Logs one user out everywhere: deletes every session whose user_id is `username` (gitproxy.session_destroy_user); number removed. */
  destroyUser(username: string): Promise<number>;
  /** Deletes expired sessions now, batch by batch; number removed. */
  prune(): Promise<number>;
  /** Stops the pruning timer. */
  stopPruning(): void;
  /** Stops pruning and, when the store opened its own pool, ends it. */
  close(): Promise<void>;
};

type Cb<T> = ((err: unknown, value?: T) => void) | undefined;

/** Call cb outside the promise chain, so a throwing callback is not called twice. */
function settle<T>(p: Promise<T>, cb: Cb<T>): void {
  p.then(
    (v) => { if (cb) process.nextTick(cb, null, v); },
    (e: unknown) => { if (cb) process.nextTick(cb, e); },
  );
}

function expiryOf(sess: unknown): string | null {
  const exp = (sess as { cookie?: { expires?: unknown } } | null)?.cookie?.expires;
  if (exp instanceof Date) return Number.isNaN(exp.getTime()) ? null : exp.toISOString();
  return typeof exp === 'string' && exp !== '' ? exp : null;
}

/**
 * Create the session store.  `session` is the application's express-session
 * module; pass `{ sink }` to share a sink's pool, or connection/pool settings
 * (as createSink takes) for a pool of its own.  Opens no connection until
 * used: await store.ready() before listening, so an unreachable database
 * fails loudly at start-up.
 */
export function createSessionStore(session: ExpressSessionModule, options: SessionStoreOptions = {}): GitProxySessionStore {
  const own = !options.pool && !options.sink;
  const db = options.pool ?? options.sink?.pool ?? new SinkPool(options);
  const log = options.log ?? (() => undefined);
  const interval = options.pruneIntervalMs ?? 900000;
  const batch = options.pruneBatch ?? 1000;
  const Base = session.Store;

  const one = (m: (typeof METHODS)[keyof typeof METHODS], values: unknown[]): Promise<unknown> =>
    db.run<{ v: unknown }>(m, values).then((rows) => rows[0]?.v ?? null);

  class GitProxyPgStore extends Base {
    private timer: NodeJS.Timeout | undefined;

    constructor() {
      super();
      if (interval > 0) {
        this.timer = setInterval(() => {
          this.prune().then(
            (n) => { if (n > 0) log('debug', `pruned ${n} expired sessions`); },
            (e: unknown) => log('warning', `session prune failed: ${messageOf(e)}`));
        }, interval);
        this.timer.unref();
      }
    }

    override get(sid: string, cb: (err: unknown, session?: SessionData | null) => void): void {
      settle(one(METHODS.sessionGet, [sid]) as Promise<SessionData | null>, cb);
    }

    override set(sid: string, sess: SessionData, cb?: (err?: unknown) => void): void {
      settle(db.run(METHODS.sessionSet, [sid, JSON.stringify(sess), expiryOf(sess)]).then(() => undefined), cb);
    }

    override touch(sid: string, sess: SessionData, cb?: () => void): void {
      settle(db.run(METHODS.sessionTouch, [sid, expiryOf(sess)]).then(() => undefined), cb as Cb<undefined>);
    }

    override destroy(sid: string, cb?: (err?: unknown) => void): void {
      settle(db.run(METHODS.sessionDestroy, [sid]).then(() => undefined), cb);
    }

    override all(cb: (err: unknown, obj?: { [sid: string]: SessionData } | null) => void): void {
      settle(db.run<{ sid: string; sess: SessionData }>(METHODS.sessionAll, []).then((rows) => {
        const out: { [sid: string]: SessionData } = {};
        for (const r of rows) out[r.sid] = r.sess;
        return out;
      }), cb);
    }

    override length(cb: (err: unknown, length?: number) => void): void {
      settle(one(METHODS.sessionLength, []).then(Number), cb);
    }

    override clear(cb?: (err?: unknown) => void): void {
      settle(one(METHODS.sessionClear, []).then(() => undefined), cb);
    }

    async ready(): Promise<void> {
      await one(METHODS.sessionGet, ['gitproxy-sink readiness probe']);
    }

    async destroyUser(username: string): Promise<number> {
      return Number(await one(METHODS.sessionDestroyUser, [username]));
    }

    async prune(): Promise<number> {
      let total = 0;
      for (;;) {
        const n = Number(await one(METHODS.sessionPrune, [batch]));
        total += n;
        if (n < batch) return total;
      }
    }

    stopPruning(): void {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
    }

    async close(): Promise<void> {
      this.stopPruning();
      if (own) await db.close();
    }
  }

  return new GitProxyPgStore();
}
