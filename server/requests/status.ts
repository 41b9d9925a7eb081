// The data-subject request state machine, in one place: every status, the statuses it may move
// to, what the request pages call it, and the actions a person may take in it. Everything else
// (the service, the jobs, the queries, the views) asks this table instead of keeping a list.
//
//   received ─verify→ identity_verified ─approve (four-eyes)→ approved ─→ running ─→ verifying ─→ completed
//      └──────deny──────────┴─→ denied                            │           │            ├─→ part_held ─→ completed
//                                                                 └───────────┴────────────┴─→ needs_attention ─retry→ approved
// identity_verified ─close_no_data (four-eyes)→ no_data: the dry run finds nothing about the subject.
// on_hold: paused by a legal hold under an earlier version; the job moves it back to approved.
// part_held: closed for its deadline; rows a legal hold keeps are erased by a follow-up once it ends.

export const REQUEST_STATUSES = [
  'received',
  'identity_verified',
  'approved',
  'on_hold',
  'running',
  'verifying',
  'needs_attention',
  'completed',
  'part_held',
  'denied',
  'no_data',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** What a person may do to a request in a status (each also needs its permission in access.yaml). */
export type RequestAction = 'verify' | 'approve' | 'deny' | 'extend' | 'acknowledge' | 'retry' | 'close_no_data';

interface StatusInfo {
  /** As the request pages show it. */
  label: string;
  /** The filter's label on the request list. */
  filterLabel: string;
  /** Closed: answered for its deadline (no countdown, no extension, identity destroyed or going). */
  closed: boolean;
  /** A job picks the request up in this status (and the page refreshes while it works). */
  worker: boolean;
  /** The page shows the job's progress bar. */
  progress: boolean;
  /** The progress bar is full: the request was answered with an outcome. */
  answered: boolean;
  /** The progress bar stops: nothing moves until a person acts or a hold ends. */
  waits: boolean;
  /** The statuses it may move to (besides staying where it is while open, e.g. an extension). */
  next: readonly RequestStatus[];
  actions: readonly RequestAction[];
}

const OPEN_ACTIONS = ['extend', 'acknowledge'] as const;

export const STATUS: Readonly<Record<RequestStatus, StatusInfo>> = {
  received: {
    label: 'received',
    filterLabel: 'Received',
    closed: false,
    worker: false,
    progress: false,
    answered: false,
    waits: false,
    next: ['identity_verified', 'denied'],
    actions: ['verify', 'deny', ...OPEN_ACTIONS],
  },
  identity_verified: {
    label: 'identity verified',
    filterLabel: 'Identity verified',
    closed: false,
    worker: false,
    progress: false,
    answered: false,
    waits: false,
    next: ['approved', 'denied', 'no_data'],
    actions: ['approve', 'deny', 'close_no_data', ...OPEN_ACTIONS],
  },
  approved: {
    label: 'approved',
    filterLabel: 'Approved',
    closed: false,
    worker: true,
    progress: true,
    answered: false,
    waits: false,
    next: ['running', 'needs_attention'],
    actions: [...OPEN_ACTIONS],
  },
  on_hold: {
    label: 'on legal hold',
    filterLabel: 'On legal hold',
    closed: false,
    worker: true,
    progress: false,
    answered: false,
    waits: true,
    next: ['approved'],
    actions: [...OPEN_ACTIONS],
  },
  // running → completed: an access export closes without a verification scan.
  running: {
    label: 'running',
    filterLabel: 'Running',
    closed: false,
    worker: true,
    progress: true,
    answered: false,
    waits: false,
    next: ['verifying', 'completed', 'needs_attention'],
    actions: [...OPEN_ACTIONS],
  },
  verifying: {
    label: 'verifying',
    filterLabel: 'Verifying',
    closed: false,
    worker: true,
    progress: true,
    answered: false,
    waits: false,
    next: ['completed', 'part_held', 'needs_attention'],
    actions: [...OPEN_ACTIONS],
  },
  needs_attention: {
    label: 'needs attention',
    filterLabel: 'Needs attention',
    closed: false,
    worker: false,
    progress: true,
    answered: false,
    waits: true,
    next: ['approved'],
    actions: ['retry', ...OPEN_ACTIONS],
  },
  completed: {
    label: 'completed',
    filterLabel: 'Completed',
    closed: true,
    worker: false,
    progress: true,
    answered: true,
    waits: false,
    next: [],
    actions: [],
  },
  part_held: {
    label: 'completed — part held',
    filterLabel: 'Completed — part held',
    closed: true,
    worker: false,
    progress: true,
    answered: true,
    waits: false,
    next: ['completed', 'needs_attention'],
    actions: [],
  },
  denied: {
    label: 'denied',
    filterLabel: 'Denied',
    closed: true,
    worker: false,
    progress: false,
    answered: false,
    waits: false,
    next: [],
    actions: [],
  },
  // An erasure request whose subject no system holds data about: answered with a notice, no certificate.
  no_data: {
    label: 'closed — no data found',
    filterLabel: 'Closed — no data found',
    closed: true,
    worker: false,
    progress: false,
    answered: true,
    waits: false,
    next: [],
    actions: [],
  },
};

const where = (test: (info: StatusInfo) => boolean): RequestStatus[] => REQUEST_STATUSES.filter((s) => test(STATUS[s]));

/** Still to be answered: counted against its deadline, found as a duplicate, on the dashboard. */
export const OPEN_STATUSES: readonly RequestStatus[] = where((i) => !i.closed);
/** Answered for its deadline. part_held is closed too: its held rows are tracked by key in request_held_rows. */
export const FINAL_STATUSES: readonly RequestStatus[] = where((i) => i.closed);
/** A job works on the request (and the page refreshes itself). */
export const WORKER_STATUSES: readonly RequestStatus[] = where((i) => i.worker);
/** Between approval and a result: the job runs it, the page refreshes. on_hold is the job's too, but waits. */
export const ACTIVE_STATUSES: readonly RequestStatus[] = WORKER_STATUSES.filter((s) => s !== 'on_hold');
/** The statuses the access-export job picks up: it never verifies and is never held. */
export const ACCESS_JOB_STATUSES: readonly RequestStatus[] = ['approved', 'running'];

export const isStatus = (s: string): s is RequestStatus => (REQUEST_STATUSES as readonly string[]).includes(s);
export const isClosed = (s: RequestStatus): boolean => STATUS[s].closed;
export const isOpen = (s: RequestStatus): boolean => !STATUS[s].closed;
export const isAnswered = (s: RequestStatus): boolean => STATUS[s].answered;
export const statusLabel = (s: string): string => (isStatus(s) ? STATUS[s].label : s);
/** The progress poller stops: closed, or waiting for a person or for a hold to end. */
export const progressDone = (s: RequestStatus): boolean => STATUS[s].closed || STATUS[s].waits;

/** Whether a request may move from `from` to `to`: along the table, or staying in an open status. */
export function canMove(from: RequestStatus, to: RequestStatus): boolean {
  return from === to ? isOpen(from) : STATUS[from].next.includes(to);
}

/** Every status a request may be in for `action` (the service's `from` list). */
export const statusesFor = (action: RequestAction): RequestStatus[] => where((i) => i.actions.includes(action));

/** The actions a status offers, as flags for the views (`actions.verify`, …). */
export function actionsFor(status: RequestStatus): Record<RequestAction, boolean> {
  const offered = STATUS[status].actions;
  return {
    verify: false,
    approve: false,
    deny: false,
    extend: false,
    acknowledge: false,
    retry: false,
    close_no_data: false,
    ...Object.fromEntries(offered.map((a) => [a, true])),
  };
}

/** The request list's status filter: "open" then every status. */
export const STATUS_FILTER_OPTIONS = [
  { value: 'open', label: 'Open' },
  ...REQUEST_STATUSES.map((s) => ({ value: s, label: STATUS[s].filterLabel })),
];

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: readonly RequestStatus[],
    readonly to: RequestStatus,
  ) {
    super(`A request cannot move from ${from.filter((f) => !canMove(f, to)).join(', ')} to ${to}.`);
    this.name = 'IllegalTransitionError';
  }
}
