// A SQLite VFS over the default one ("unix") that gathers the writes of a transaction to its WAL
// file in memory and hands them to the kernel in one write at the next sync. SQLite writes each
// WAL frame as two writes (a 24-byte header, then the page), so a commit of 16 pages costs 32
// pwrite calls; through this VFS it costs one. Measured on the ingest benchmark: about a fifth of
// the daemon's CPU went to those calls with real bounces.
//
// Safe only for a connection that prepare_for_wal_buffer set up, as sqlite::connection does:
// - it syncs the WAL at every commit (synchronous = FULL), so other connections, which read only
//   frames a commit has published in the WAL index, find them in the file: the sync flushes first;
// - it never spills pages of an open transaction into the WAL (cache_spill = OFF), so frames are
//   written only by a commit, between taking SQLite's write lock and the sync. Frames spilled by
//   a transaction that then rolled back would stay gathered after the lock is released, and the
//   next flush would write them over frames another connection committed meanwhile.
// Reads, truncation, size queries and file controls flush, so this connection always sees its own
// frames; close drops what no sync flushed (never committed). A write that fails at a flush fails
// the next sync, and with it the commit. Other files (the database, its shared memory) go to the
// default VFS untouched.
#pragma once

#include <string>

struct sqlite3;

namespace bounced::storage::sqlite {

// Sets the pragmas above on a connection opened through the VFS and checks that they took;
// answers why not, or an empty string.
std::string prepare_for_wal_buffer(sqlite3* db);

// The VFS's name, for sqlite3_open_v2; registered (not as the default) on the first call.
const char* wal_buffer_vfs();

}  // namespace bounced::storage::sqlite
