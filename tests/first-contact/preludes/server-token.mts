// Context of blocks that connect to a server the reader started: its printed token. Such blocks
// are only type-checked (the server would listen on a fixed port the job does not take).
declare const token: string;
/* snippet */
