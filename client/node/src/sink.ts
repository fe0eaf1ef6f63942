/**
 * createSink: git-proxy's Sink interface (37 members) over the gitproxy_sink
 * extension.  Every method is exactly one parameterised call of the matching
 * gitproxy.* function (src/methods.ts); no rule, default, filter or
 * validation is done here.  Only deriveCreatedAt is computed locally (it is
 * synchronous in git-proxy), exactly as gitproxy.derive_created_at.
 */
import { deriveCreatedAt } from './object-id';
import { ConfigurationError } from './errors';
import { METHODS } from './methods';
import { SinkPool } from './pool';
import type { Health, PoolFigures, PoolOptions } from './pool';
import { createSessionStore } from './session-store';
import type { ExpressSessionModule, GitProxySessionStore, SessionStoreSettings } from './session-store';
import type {
  ListingOptions, PageRequest, PublicKeyRecord, PushPage, PushRecord, Query, RecordClasses, RepoActivityTabCounts,
  RepoPushRollupsByCanonicalUrl, RepoRecord, UserRecord,
} from './types';

/** Options of {@link createSink}: connection and pool settings plus the classes to instantiate. */
export interface SinkOptions<A = PushRecord, R = RepoRecord, U = UserRecord> extends PoolOptions {
  /** Prototypes for returned documents (git-proxy's Action, Repo, User). */
  classes?: RecordClasses<A, R, U>;
  /**
   * The express-session module (`require('express-session')`); needed by
   * getSessionStore(), which then returns a store on this sink's pool.
   */
  session?: ExpressSessionModule;
  /** Settings of that session store (pruning). */
  sessionStore?: SessionStoreSettings;
}

/**
 * git-proxy's Sink (src/db/types.ts) plus lifecycle members.  A, R, U are
 * the document types (git-proxy's Action, Repo, User when `classes` is given).
 * Errors of every method: {@link SinkError} with the server's message and
 * SQLSTATE (e.g. P0002 "push <id> not found"), {@link DuplicateSSHKeyError}
 * for 23505 "SSH key already in use by user '<name>'".
 */
export interface GitProxySink<A = PushRecord, R = RepoRecord, U = UserRecord> {
  /** Sink.getSessionStore: the express-session store on this sink's pool (same instance every call). Throws ConfigurationError without options.session. */
  getSessionStore(): GitProxySessionStore;
  /** Sink.getRepoPushRollupsByCanonicalUrl: counts and newest timestamps (epoch ms) per canonical remote URL, as Maps. */
  getRepoPushRollupsByCanonicalUrl(): Promise<RepoPushRollupsByCanonicalUrl>;
  /**
   * Sink.getPushes: the whole listing, newest first, without `_id`; no
   * query = git-proxy's default filter, {} = all.  `{ summary: true }`:
   * git-proxy's MongoDB projection of each push ({@link ListingOptions}).
   * Read in keyset pages of 100 on one connection inside one REPEATABLE READ
   * READ ONLY transaction: one snapshot, as one statement, without the
   * server building the whole result at once.  Errors: 22023 bad query.
   */
  getPushes(query?: Query, options?: ListingOptions): Promise<A[]>;
  /**
   * Paged getPushes: at most `limit` pushes and the cursor of the next page
   * (null on the last); `summary` as for getPushes (cursors of summary and
   * whole pages resume each other).  Errors: 22023 bad query, cursor or limit.
   */
  getPushesPage(query: Query | undefined, page: PageRequest): Promise<PushPage<A>>;
  /** Sink.getPushesForUserProfile: type "push" with userEmail in emailVariants or attestation.reviewer.username = profileUsername (case-insensitive). */
  getPushesForUserProfile(emailVariants: string[], profileUsername: string): Promise<A[]>;
  /** Sink.writeAudit: upsert keyed by id (replace). Errors: 22023 "Invalid id". */
  writeAudit(action: A): Promise<void>;
  /** Sink.getPush: the full push with `_id`, or null. */
  getPush(id: string): Promise<A | null>;
  /** Sink.deletePush: silent when absent. */
  deletePush(id: string): Promise<void>;
  /** Sink.authorise: {message: "authorised <id>"}. Errors: P0002 "push <id> not found"; 55000 strict review. Not retried. */
  authorise(id: string, attestation?: unknown): Promise<{ message: string }>;
  /** Sink.cancel: {message: "canceled <id>"}. Errors: P0002 "push <id> not found". Not retried. */
  cancel(id: string): Promise<{ message: string }>;
  /** Sink.reject: {message: "reject <id>"}. Errors: P0002 "push <id> not found". Not retried. */
  reject(id: string, rejection?: unknown): Promise<{ message: string }>;
  /** Sink.getRepos: repos matching the filter (no activity; git-proxy's facade adds it). */
  getRepos(query?: Query): Promise<R[]>;
  /** Sink.getRepo: by name (lower-cased by the server), or null. */
  getRepo(name: string): Promise<R | null>;
  /** Sink.getRepoByUrl, or null. */
  getRepoByUrl(url: string): Promise<R | null>;
  /** Sink.getRepoById, or null (also for malformed ids). */
  getRepoById(_id: string): Promise<R | null>;
  /** Sink.createRepo: the stored repo with its `_id`. Not retried. Errors: 22023, 23505. */
  createRepo(repo: R): Promise<R>;
  /** Sink.updateRepo: sets the given keys of the repo selected by `_id` (no upsert; unknown id: no-op); keys set to undefined are removed (sent as "$unset"). Errors: 22023, 23505 url taken. */
  updateRepo(repo: Partial<R>): Promise<void>;
  /** Sink.addUserCanPush (idempotent). Errors: P0002 "Repo not found". */
  addUserCanPush(_id: string, user: string): Promise<void>;
  /** Sink.addUserCanAuthorise (idempotent). Errors: P0002 "Repo not found". */
  addUserCanAuthorise(_id: string, user: string): Promise<void>;
  /** Sink.removeUserCanPush. Errors: P0002 "Repo not found". */
  removeUserCanPush(_id: string, user: string): Promise<void>;
  /** Sink.removeUserCanAuthorise. Errors: P0002 "Repo not found". */
  removeUserCanAuthorise(_id: string, user: string): Promise<void>;
  /** Sink.deleteRepo: silent when absent. */
  deleteRepo(_id: string): Promise<void>;
  /** Sink.findUser (case-insensitive), or null. */
  findUser(username: string): Promise<U | null>;
  /** Sink.findUserByEmail (case-insensitive), or null. */
  findUserByEmail(email: string): Promise<U | null>;
  /** Sink.findUserByGitAccount (case-insensitive), or null. */
  findUserByGitAccount(gitAccount: string): Promise<U | null>;
  /** Sink.findUserByOIDC (exact), or null. */
  findUserByOIDC(oidcId: string): Promise<U | null>;
  /** Sink.findUserBySSHKey (exact key text), or null. */
  findUserBySSHKey(sshKey: string): Promise<U | null>;
  /** Sink.getUsers: without `password`. */
  getUsers(query?: Query): Promise<U[]>;
  /** Sink.createUser. Not retried. Errors: 22023; 23505 duplicate username/email or DuplicateSSHKeyError. */
  createUser(user: U): Promise<void>;
  /** Sink.deleteUser: silent when absent. */
  deleteUser(username: string): Promise<void>;
  /** Sink.updateUser: upsert-merge by `_id` or username; keys set to undefined are removed (sent as "$unset"). Errors: 22023, 23505, DuplicateSSHKeyError. */
  updateUser(user: Partial<U>): Promise<void>;
  /** Sink.addPublicKey. Not retried. Errors: DuplicateSSHKeyError (23505); P0002 "User not found"; 42710 "SSH key already exists". */
  addPublicKey(username: string, publicKey: PublicKeyRecord): Promise<void>;
  /** Sink.removePublicKey. Errors: P0002 "User not found". */
  removePublicKey(username: string, fingerprint: string): Promise<void>;
  /** Sink.getPublicKeys: in insertion order. Errors: P0002 "User not found". */
  getPublicKeys(username: string): Promise<PublicKeyRecord[]>;
  /** Sink.getAppliedMigrations. */
  getAppliedMigrations(): Promise<string[]>;
  /** Sink.recordMigration (idempotent). */
  recordMigration(id: string): Promise<void>;
  /** Sink.unrecordMigration (unknown id: no-op). */
  unrecordMigration(id: string): Promise<void>;
  /** Sink.deriveCreatedAt: synchronous, local decode of a 24-hex id; undefined otherwise. */
  deriveCreatedAt(id: string): string | undefined;

  /** Resolves once a connection is open and the extension version is checked; rejects with the reason. */
  ready(): Promise<void>;
  /** Status, versions and pool figures (total, idle, waiting); never rejects. */
  health(): Promise<Health>;
  /** Pool figures now. */
  poolFigures(): PoolFigures;
  /** Stops the session store's pruning and ends the pool. */
  close(): Promise<void>;
  /** The underlying pool (benchmarks, diagnostics). */
  readonly pool: SinkPool;
}

/** JSON text of a query filter: RegExp values become {"$regex", "$options"}. */
function queryJson(q: Query | undefined): string | null {
  if (q === undefined) return null;
  return JSON.stringify(q, (_k, v: unknown) =>
    v instanceof RegExp ? { $regex: v.source, $options: v.flags } : v);
}

/** JSON text of a document argument; undefined -> SQL NULL. */
function json(v: unknown): string | null {
  return v === undefined ? null : (JSON.stringify(v) ?? null);
}

/**
 * JSON text of a partial update: top-level keys whose value is undefined
 * (which JSON cannot carry) are listed in "$unset", the extension's way of
 * removing a key (update_repo, update_user).
 */
function updateJson(v: object): string {
  const unset = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] === undefined);
  return JSON.stringify(unset.length > 0 ? { ...v, $unset: unset } : v);
}

function withProto<T>(doc: unknown, cls: { prototype: T } | undefined): T {
  if (cls && doc !== null && typeof doc === 'object') Object.setPrototypeOf(doc, cls.prototype as object);
  return doc as T;
}

/** Rows per statement of an unpaged listing (as the C library). */
const LISTING_PAGE_ROWS = 100;

type V = { v: unknown };
const first = (rows: V[]): unknown => rows[0]?.v ?? null;
const nothing = (): void => undefined;

/**
 * Create git-proxy's Sink over the gitproxy_sink extension.  Opens no
 * connection yet (await ready() to check the database before serving).
 * Throws ConfigurationError when no server is named (see PoolOptions).
 */
export function createSink<A = PushRecord, R = RepoRecord, U = UserRecord>(
  options: SinkOptions<A, R, U> = {},
): GitProxySink<A, R, U> {
  const db = new SinkPool(options);
  const cls = options.classes ?? {};
  let store: GitProxySessionStore | undefined;

  // plain promise chains (no async frames): a call should cost what pool.query costs
  const one = (m: (typeof METHODS)[keyof typeof METHODS], values: unknown[]): Promise<unknown> =>
    db.run<V>(m, values).then(first);
  const push = (d: unknown) => (d === null ? null : withProto<A>(d, cls.Action));
  const repo = (d: unknown) => (d === null ? null : withProto<R>(d, cls.Repo));
  const user = (d: unknown) => (d === null ? null : withProto<U>(d, cls.User));
  const none = (m: (typeof METHODS)[keyof typeof METHODS], values: unknown[]): Promise<void> =>
    db.run(m, values).then(nothing);

  const sink: GitProxySink<A, R, U> = {
    pool: db,
    getSessionStore() {
      if (!options.session) {
        throw new ConfigurationError(
          'getSessionStore() needs the express-session module: createSink({ session: require("express-session"), ... })');
      }
      store ??= createSessionStore(options.session, { log: options.log, ...options.sessionStore, pool: db });
      return store;
    },
    async getRepoPushRollupsByCanonicalUrl() {
      type Row = { url: string; pending: string; approved: string; canceled: string; rejected: string; error: string;
        latest_push_at_ms: string | null; latest_pending_review_at_ms: string | null };
      const rows = await db.run<Row>(METHODS.getRepoPushRollupsByCanonicalUrl, []);
      const out: RepoPushRollupsByCanonicalUrl = {
        tabCounts: new Map<string, RepoActivityTabCounts>(), latestPendingReviewAtMs: new Map(), latestPushAtMs: new Map(),
      };
      for (const r of rows) {
        out.tabCounts.set(r.url, { pending: Number(r.pending), approved: Number(r.approved), canceled: Number(r.canceled),
          rejected: Number(r.rejected), error: Number(r.error) });
        if (r.latest_pending_review_at_ms !== null) out.latestPendingReviewAtMs.set(r.url, Number(r.latest_pending_review_at_ms));
        if (r.latest_push_at_ms !== null) out.latestPushAtMs.set(r.url, Number(r.latest_push_at_ms));
      }
      return out;
    },
    async getPushes(query?: Query, options?: ListingOptions) {
      const rows = await db.runPages<{ push: unknown; cursor: string }>(METHODS.getPushes,
        [queryJson(query), LISTING_PAGE_ROWS, null, options?.summary === true], 2, LISTING_PAGE_ROWS);
      return rows.map((r) => withProto<A>(r.push, cls.Action));
    },
    async getPushesPage(query, page) {
      const limit = page.limit;
      // one row more than asked tells whether another page follows (as the C library)
      const ask = Number.isInteger(limit) && limit > 0 && limit < 2147483647 ? limit + 1 : limit;
      const rows = await db.run<{ push: unknown; cursor: string }>(METHODS.getPushes,
        [queryJson(query), ask, page.cursor ?? null, page.summary === true]);
      const more = limit > 0 && rows.length > limit;
      const shown = more ? rows.slice(0, limit) : rows;
      return {
        pushes: shown.map((r) => withProto<A>(r.push, cls.Action)),
        cursor: more && shown.length > 0 ? (shown[shown.length - 1] as { cursor: string }).cursor : null,
      };
    },
    async getPushesForUserProfile(emailVariants, profileUsername) {
      const rows = await db.run<V>(METHODS.getPushesForUserProfile, [emailVariants, profileUsername]);
      return rows.map((r) => withProto<A>(r.v, cls.Action));
    },
    writeAudit: (action) => none(METHODS.writeAudit, [json(action)]),
    getPush: (id) => one(METHODS.getPush, [id]).then(push),
    deletePush: (id) => none(METHODS.deletePush, [id]),
    authorise: (id, attestation) => one(METHODS.authorise, [id, json(attestation)]) as Promise<{ message: string }>,
    cancel: (id) => one(METHODS.cancel, [id]) as Promise<{ message: string }>,
    reject: (id, rejection) => one(METHODS.reject, [id, json(rejection)]) as Promise<{ message: string }>,
    async getRepos(query?: Query) {
      const rows = await db.run<V>(METHODS.getRepos, [queryJson(query)]);
      return rows.map((r) => withProto<R>(r.v, cls.Repo));
    },
    getRepo: (name) => one(METHODS.getRepo, [name]).then(repo),
    getRepoByUrl: (url) => one(METHODS.getRepoByUrl, [url]).then(repo),
    getRepoById: (id) => one(METHODS.getRepoById, [id]).then(repo),
    createRepo: (r) => one(METHODS.createRepo, [json(r)]).then(repo) as Promise<R>,
    updateRepo: (r) => none(METHODS.updateRepo, [updateJson(r)]),
    addUserCanPush: (id, u) => none(METHODS.addUserCanPush, [id, u]),
    addUserCanAuthorise: (id, u) => none(METHODS.addUserCanAuthorise, [id, u]),
    removeUserCanPush: (id, u) => none(METHODS.removeUserCanPush, [id, u]),
    removeUserCanAuthorise: (id, u) => none(METHODS.removeUserCanAuthorise, [id, u]),
    deleteRepo: (id) => none(METHODS.deleteRepo, [id]),
    findUser: (x) => one(METHODS.findUser, [x]).then(user),
    findUserByEmail: (x) => one(METHODS.findUserByEmail, [x]).then(user),
    findUserByGitAccount: (x) => one(METHODS.findUserByGitAccount, [x]).then(user),
    findUserByOIDC: (x) => one(METHODS.findUserByOIDC, [x]).then(user),
    findUserBySSHKey: (x) => one(METHODS.findUserBySSHKey, [x]).then(user),
    async getUsers(query?: Query) {
      const rows = await db.run<V>(METHODS.getUsers, [queryJson(query)]);
      return rows.map((r) => withProto<U>(r.v, cls.User));
    },
    createUser: (u) => none(METHODS.createUser, [json(u)]),
    deleteUser: (x) => none(METHODS.deleteUser, [x]),
    updateUser: (u) => none(METHODS.updateUser, [updateJson(u)]),
    addPublicKey: (x, key) => none(METHODS.addPublicKey, [x, json(key)]),
    removePublicKey: (x, fp) => none(METHODS.removePublicKey, [x, fp]),
    getPublicKeys: (x) => one(METHODS.getPublicKeys, [x]) as Promise<PublicKeyRecord[]>,
    async getAppliedMigrations() {
      const rows = await db.run<{ v: string }>(METHODS.getAppliedMigrations, []);
      return rows.map((r) => r.v);
    },
    recordMigration: (id) => none(METHODS.recordMigration, [id]),
    unrecordMigration: (id) => none(METHODS.unrecordMigration, [id]),
    deriveCreatedAt,
    ready: () => db.ready(),
    health: () => db.health(),
    poolFigures: () => db.figures(),
    async close() {
      if (store) store.stopPruning();
      await db.close();
    },
  };
  return sink;
}
