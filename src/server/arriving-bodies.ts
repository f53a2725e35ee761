// How far each admitted request's body has arrived, written by the body reader
// (review-body.ts) and read by load shedding (load-shedding.ts), which closes bodies that
// arrive too slowly when their room in the byte budget is needed. Keyed by the raw request.
export interface BodyProgress {
  /** Body bytes received so far. */
  received: number;
  /** The reader is done with the body (read whole, refused, or cut off). */
  complete: boolean;
}

export const arrivingBodies = new WeakMap<object, BodyProgress>();
