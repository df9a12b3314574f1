// A SQLite VFS over the default one ("unix") that gathers the writes of a transaction to its WAL
// file in memory and hands them to the kernel in one write at the next sync. SQLite writes each
// WAL frame as two writes (a 24-byte header, then the page), so a commit of 16 pages costs 32
// pwrite calls; through this VFS it costs one. Measured on the ingest benchmark: about a fifth of
// the daemon's CPU went to those calls with real bounces.
//
// Safe only for a connection that syncs the WAL at every commit (PRAGMA synchronous = FULL or
// EXTRA, as storage::database sets): other connections read only frames that a commit has
// published in the WAL index, and the commit's sync flushes them to the file first. Reads,
// truncation, size queries, file controls and close flush too, so this connection always sees
// its own frames. A write that fails at the flush fails the sync, and with it the commit. Other
// files (the database, its shared memory) go to the default VFS untouched.
#pragma once

namespace bounced::storage::sqlite {

// The VFS's name, for sqlite3_open_v2; registered (not as the default) on the first call.
const char* wal_buffer_vfs();

}  // namespace bounced::storage::sqlite
