/** Default capacity (terminals) a node announces. */
export const DEFAULT_NODE_CAPACITY = 100;
