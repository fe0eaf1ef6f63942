/**
 * Record and query shapes of git-proxy's Sink (src/db/types.ts at 7eeab39,
 * contract §2, §3), written structurally so that git-proxy's own classes
 * (Action, Repo, User) fit them.
 */

/** A push record (git-proxy's Action), an open document keyed by `id`. */
export interface PushRecord {
  id: string;
  [key: string]: unknown;
}

/** A repo record; `_id` is a 24-hex id assigned by the server. */
export interface RepoRecord {
  project?: string;
  name: string;
  url: string;
  users?: { canPush: string[]; canAuthorise: string[] };
  _id?: string;
  [key: string]: unknown;
}

/** A user record; `username` and `email` are stored lower-cased. */
export interface UserRecord {
  username: string;
  email?: string;
  publicKeys?: PublicKeyRecord[];
  _id?: string;
  [key: string]: unknown;
}

/** An SSH key of a user (git-proxy PublicKeyRecord). */
export interface PublicKeyRecord {
  key: string;
  name: string;
  /** ISO-8601 */
  addedAt: string;
  /** e.g. "SHA256:..." */
  fingerprint: string;
}

/**
 * Filter of getPushes/getRepos/getUsers: AND of equality conditions on
 * (dotted) field names, JSON-type-strict; a RegExp value is sent as
 * {"$regex": source, "$options": flags}.  Evaluated by the server.
 */
export type Query = { [key: string]: unknown };

/** Per-status push counts (git-proxy RepoActivityTabCounts). */
export interface RepoActivityTabCounts {
  pending: number;
  approved: number;
  canceled: number;
  rejected: number;
  error: number;
}

/** Result of getRepoPushRollupsByCanonicalUrl (git-proxy RepoPushRollupsByCanonicalUrl). */
export interface RepoPushRollupsByCanonicalUrl {
  tabCounts: Map<string, RepoActivityTabCounts>;
  /** epoch ms of the newest pending push per canonical URL */
  latestPendingReviewAtMs: Map<string, number>;
  /** epoch ms of the newest push per canonical URL */
  latestPushAtMs: Map<string, number>;
}

/** Options of the push listings (getPushes, getPushesPage). */
export interface ListingOptions {
  /**
   * true: each push as git-proxy's MongoDB listing projects it, only the
   * fields id, allowPush, attestation, authorised, blocked, blockedMessage,
   * branch, canceled, commitData, commitFrom, commitTo, error, method,
   * project, rejected, rejection, repo, repoName, timestamp, type, url,
   * userEmail that it has (never `_id`, `steps`, `user`, ...); same filter,
   * order and cursors as whole documents, far less to read.  Default false.
   */
  summary?: boolean;
}

/** Page request of getPushesPage. */
export interface PageRequest extends ListingOptions {
  /** at most this many pushes (an integer >= 0) */
  limit: number;
  /** the previous page's cursor; absent or null for the first page */
  cursor?: string | null;
}

/** One page of getPushesPage. */
export interface PushPage<A> {
  pushes: A[];
  /** opaque keyset cursor of the next page; null when this is the last one */
  cursor: string | null;
}

/**
 * Classes whose prototype the returned documents get, like git-proxy's
 * MongoDB sink (`toClass(doc, Action.prototype)`).  Pass git-proxy's
 * `Action`, `Repo`, `User`.  Omitted: plain objects.
 */
export interface RecordClasses<A, R, U> {
  Action?: { prototype: A };
  Repo?: { prototype: R };
  User?: { prototype: U };
}
