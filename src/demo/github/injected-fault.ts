/**
 * A failure the stand-in answers instead of handling the request, as GitHub does under load: e.g. a
 * 502, or a secondary rate limit (403 with `retry-after`). Matched on method and API path, `times`
 * times, then removed.
 */
export type InjectedFault = {
  method: string;
  /** Matched against the path under /api/v3, e.g. /\/issues\/comments\/\d+$/. */
  path: RegExp;
  times: number;
  status: number;
  headers?: Record<string, string>;
  message?: string;
};

/** GitHub's body and headers for a secondary rate limit: the form bots must honour. */
export function secondaryRateLimit(method: string, path: RegExp, times = 1): InjectedFault {
  return {
    method,
    path,
    times,
    status: 403,
    headers: { "retry-after": "1" },
    message:
      "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
  };
}

/** Takes the first fault that matches the request, counting it down; undefined when none does. */
export function takeFault(faults: InjectedFault[], method: string, path: string): InjectedFault | undefined {
  const i = faults.findIndex((f) => f.method === method && f.path.test(path));
  if (i < 0) return undefined;
  const fault = faults[i]!;
  fault.times -= 1;
  if (fault.times <= 0) faults.splice(i, 1);
  return fault;
}
