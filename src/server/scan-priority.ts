// The workspace scan process runs below the editor's priority: the editor's requests (and a just
// opened file's first diagnostic) come first on a busy machine.

/** Nice value of the scan process (0 normal, 19 lowest). */
export const SCAN_NICE = 10;
