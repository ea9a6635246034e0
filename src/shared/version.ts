/** Graft's version; a test keeps it equal to package.json. */
export const GRAFT_VERSION = '0.1.0'
