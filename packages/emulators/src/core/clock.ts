// The emulators' one notion of "now": epoch milliseconds from an injectable function, so tests
// move time (code expiry, token lifetimes, reuse intervals, request timestamps) without sleeping.

/** Epoch milliseconds, like Date.now. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
