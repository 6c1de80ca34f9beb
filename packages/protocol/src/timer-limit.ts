// The longest delay a timer keeps: setTimeout (Node and browsers) fires after 1 ms for a delay
// above 2^31 − 1 ms (~24.8 days), so a longer wait must be clamped or treated as forever.

/** The longest delay `setTimeout` runs as asked: 2^31 − 1 ms (~24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
