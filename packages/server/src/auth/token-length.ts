/** Shortest token accepted: anything shorter is guessable. */
export const MIN_TOKEN_LENGTH = 16;
