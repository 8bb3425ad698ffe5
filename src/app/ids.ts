import { v7 } from 'uuid';

/**
 * A time-ordered id (UUIDv7, monotonic within the process): the request log and the notifications are listed by
 * (time, id), and the mock's clock may stand still (createMock({ now })), so the id keeps the order of arrival
 * among entries of one instant. A case run's start is such an id too: what comes after it is the run's traffic.
 */
export function timeOrderedId(): string {
  return v7();
}
