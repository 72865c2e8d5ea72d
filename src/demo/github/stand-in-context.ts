/** What the handlers, the git backend and the seeding functions share. */

import type { KeyObject } from "node:crypto";
import type { EventEmitter } from "node:events";
import type { InjectedFault } from "./injected-fault.js";
import type {
  AppPermissions,
  StandInComment,
  StandInPull,
  StandInPush,
  StandInReaction,
  StandInState,
  StandInToken,
} from "./stand-in-state.js";

/** Listener arguments per event: the object (live, so later edits show) and when it happened. */
export type StandInEvents = {
  reaction: [reaction: StandInReaction, at: number];
  comment_created: [comment: StandInComment, at: number];
  comment_updated: [comment: StandInComment, at: number];
  pull_created: [pull: StandInPull, at: number];
  pull_updated: [pull: StandInPull, at: number];
  push: [push: StandInPush, at: number];
  token_created: [token: StandInToken, at: number];
};

export type StandInApp = {
  id: number;
  slug: string;
  /** Permissions every installation grants; tokens may ask for a subset. */
  permissions: AppPermissions;
  publicKey: KeyObject;
  /** `${slug}[bot]`: the author of everything an installation token writes. */
  botLogin: string;
  createdAt: number;
};

export type StandInContext = {
  state: StandInState;
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** `${url}/api/v3`, as on GitHub Enterprise Server. */
  apiUrl: string;
  app: StandInApp;
  events: EventEmitter<StandInEvents>;
  /** Directory holding `<owner>/<repo>.git`: git http-backend's GIT_PROJECT_ROOT. */
  reposRoot: string;
  /** Failures to answer instead of handling matching API requests (see injectFault). */
  faults: InjectedFault[];
};
