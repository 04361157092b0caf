/**
 * Encoding thresholds shared by the value types (hash-max-listpack-entries
 * and friends). The config layer writes them (kevy.conf, CONFIG SET); the
 * store reads them when a collection grows, to know which encoding OBJECT
 * ENCODING reports, as Redis converts listpack -> hashtable once and never
 * back. (Redis 7.0 sets have no listpack encoding: intset, then hashtable.)
 */
export const limits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  listMaxListpackSize: -2,
  listCompressDepth: 0,
};
