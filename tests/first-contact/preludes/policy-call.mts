// Context of a block that shows a call with the reader's own command and directory.
declare const command: string;
declare const cwd: string;
/* snippet */
