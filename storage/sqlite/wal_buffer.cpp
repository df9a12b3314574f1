// See wal_buffer.hpp. A shim in the shape of SQLite's own test VFSes (vfstrace.c): our file object
// holds the default VFS's file object right behind it and forwards every call; only the WAL's
// write path differs.
#include "storage/sqlite/wal_buffer.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <string>

namespace bounced::storage::sqlite {

namespace {

// A transaction's frames are gathered up to this size, then written and gathering starts again;
// a larger write goes straight through.
constexpr std::size_t gather_bytes = 4 * 1024 * 1024;
// The default VFS writes at most 128 KiB - 1 per call (unix's seekAndWriteFd masks the length
// with 0x1ffff, so a write of exactly 128 KiB would come back short, as "disk full").
constexpr std::size_t write_bytes = 0x1ffff;

struct wal_file {
  sqlite3_file base;       // pMethods: wal_methods
  sqlite3_file* real;      // the default VFS's file object, right behind this one
  std::string* pending;    // bytes written but not yet handed to the kernel
  sqlite3_int64 pending_at;  // the file offset of pending's first byte
  int failed;              // a flush's error not yet reported by a sync (SQLITE_OK if none)
};

// Where the default VFS's file object starts inside ours: after wal_file, 8-byte aligned.
constexpr int real_offset = static_cast<int>((sizeof(wal_file) + 7) / 8 * 8);

sqlite3_vfs* base_vfs = nullptr;
sqlite3_vfs shim_vfs;
sqlite3_io_methods wal_methods;

wal_file* self(sqlite3_file* f) { return reinterpret_cast<wal_file*>(f); }
sqlite3_file* real(sqlite3_file* f) { return self(f)->real; }

// Writes n bytes at offset in pieces the default VFS takes whole.
int write_through(wal_file* w, const char* data, std::size_t n, sqlite3_int64 offset) {
  int rc = SQLITE_OK;
  for (std::size_t at = 0; at < n && rc == SQLITE_OK; at += write_bytes) {
    const std::size_t piece = std::min(write_bytes, n - at);
    rc = w->real->pMethods->xWrite(w->real, data + at, static_cast<int>(piece), offset + static_cast<sqlite3_int64>(at));
  }
  return rc;
}

// Hands what is gathered to the kernel. On failure what was gathered is dropped: those frames
// belong to the transaction that fails with this error, and SQLite writes them again. The error
// is also kept for the next sync, so that a caller that ignores it (SQLite ignores some file
// controls' answers) cannot let the commit that needed those frames succeed.
int flush(wal_file* w) {
  const std::string& p = *w->pending;
  const int rc = write_through(w, p.data(), p.size(), w->pending_at);
  w->pending->clear();
  if (rc != SQLITE_OK && w->failed == SQLITE_OK) w->failed = rc;
  return rc;
}

// What is still gathered at close was never synced, so never committed (wal_buffer.hpp): it is
// dropped, not written over frames that another connection may have committed since.
int x_close(sqlite3_file* f) {
  wal_file* w = self(f);
  const int closed = w->real->pMethods->xClose(w->real);
  delete w->pending;
  w->pending = nullptr;
  return closed;
}

int x_read(sqlite3_file* f, void* into, int n, sqlite3_int64 offset) {
  wal_file* w = self(f);
  const auto pending_end = w->pending_at + static_cast<sqlite3_int64>(w->pending->size());
  if (!w->pending->empty() && offset < pending_end && offset + n > w->pending_at)
    if (const int rc = flush(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xRead(w->real, into, n, offset);
}

int x_write(sqlite3_file* f, const void* data, int n, sqlite3_int64 offset) {
  wal_file* w = self(f);
  std::string& p = *w->pending;
  const auto bytes = static_cast<std::size_t>(n);
  const auto pending_end = w->pending_at + static_cast<sqlite3_int64>(p.size());
  if (!p.empty() && offset >= w->pending_at && offset + n <= pending_end) {
    // A frame rewritten inside the open transaction (SQLite does so when a page changes again).
    std::memcpy(p.data() + (offset - w->pending_at), data, bytes);
    return SQLITE_OK;
  }
  if (!p.empty() && offset == pending_end && p.size() + bytes <= gather_bytes) {
    p.append(static_cast<const char*>(data), bytes);
    return SQLITE_OK;
  }
  if (const int rc = flush(w); rc != SQLITE_OK) return rc;
  if (bytes >= gather_bytes) return write_through(w, static_cast<const char*>(data), bytes, offset);
  w->pending_at = offset;
  p.assign(static_cast<const char*>(data), bytes);
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (const int rc = flush(self(f)); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xTruncate(real(f), size);
}

int x_sync(sqlite3_file* f, int flags) {
  wal_file* w = self(f);
  flush(w);
  if (const int rc = w->failed; rc != SQLITE_OK) {
    w->failed = SQLITE_OK;
    return rc;
  }
  return real(f)->pMethods->xSync(real(f), flags);
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (const int rc = flush(self(f)); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xFileSize(real(f), size);
}

int x_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
int x_check_reserved_lock(sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); }

int x_file_control(sqlite3_file* f, int op, void* arg) {
  if (const int rc = flush(self(f)); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}

int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device_characteristics(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }

// SQLite keeps the WAL index in the database file's shared memory, not the WAL's; these are
// forwarded for completeness.
int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), region, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) { return real(f)->pMethods->xShmLock(real(f), offset, n, flags); }
void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int x_shm_unmap(sqlite3_file* f, int remove) { return real(f)->pMethods->xShmUnmap(real(f), remove); }

int x_fetch(sqlite3_file* f, sqlite3_int64 offset, int n, void** out) {
  if (const int rc = flush(self(f)); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xFetch(real(f), offset, n, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) { return real(f)->pMethods->xUnfetch(real(f), offset, p); }

int x_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  // Everything but a WAL file is the default VFS's own object, in the room SQLite gave us.
  if ((flags & SQLITE_OPEN_WAL) == 0) return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
  wal_file* w = self(file);
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + real_offset);
  w->real->pMethods = nullptr;
  const int rc = base_vfs->xOpen(base_vfs, name, w->real, flags, out_flags);
  if (w->real->pMethods == nullptr) {
    file->pMethods = nullptr;  // nothing to close
    return rc;
  }
  w->pending = new std::string();
  w->pending_at = 0;
  w->failed = SQLITE_OK;
  file->pMethods = &wal_methods;
  return rc;
}

// The rest of the VFS is the default one's, called with the default one's own object.
int x_delete(sqlite3_vfs*, const char* name, int sync_dir) { return base_vfs->xDelete(base_vfs, name, sync_dir); }
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) { return base_vfs->xAccess(base_vfs, name, flags, out); }
int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) { return base_vfs->xFullPathname(base_vfs, name, n, out); }
void* x_dl_open(sqlite3_vfs*, const char* name) { return base_vfs->xDlOpen(base_vfs, name); }
void x_dl_error(sqlite3_vfs*, int n, char* out) { base_vfs->xDlError(base_vfs, n, out); }
void (*x_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) { return base_vfs->xDlSym(base_vfs, handle, symbol); }
void x_dl_close(sqlite3_vfs*, void* handle) { base_vfs->xDlClose(base_vfs, handle); }
int x_randomness(sqlite3_vfs*, int n, char* out) { return base_vfs->xRandomness(base_vfs, n, out); }
int x_sleep(sqlite3_vfs*, int microseconds) { return base_vfs->xSleep(base_vfs, microseconds); }
int x_current_time(sqlite3_vfs*, double* out) { return base_vfs->xCurrentTime(base_vfs, out); }
int x_get_last_error(sqlite3_vfs*, int n, char* out) { return base_vfs->xGetLastError(base_vfs, n, out); }
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) { return base_vfs->xCurrentTimeInt64(base_vfs, out); }

void register_vfs() {
  base_vfs = sqlite3_vfs_find(nullptr);
  if (base_vfs == nullptr || base_vfs->iVersion < 2) return;
  wal_methods = sqlite3_io_methods{};
  wal_methods.iVersion = 3;
  wal_methods.xClose = x_close;
  wal_methods.xRead = x_read;
  wal_methods.xWrite = x_write;
  wal_methods.xTruncate = x_truncate;
  wal_methods.xSync = x_sync;
  wal_methods.xFileSize = x_file_size;
  wal_methods.xLock = x_lock;
  wal_methods.xUnlock = x_unlock;
  wal_methods.xCheckReservedLock = x_check_reserved_lock;
  wal_methods.xFileControl = x_file_control;
  wal_methods.xSectorSize = x_sector_size;
  wal_methods.xDeviceCharacteristics = x_device_characteristics;
  wal_methods.xShmMap = x_shm_map;
  wal_methods.xShmLock = x_shm_lock;
  wal_methods.xShmBarrier = x_shm_barrier;
  wal_methods.xShmUnmap = x_shm_unmap;
  wal_methods.xFetch = x_fetch;
  wal_methods.xUnfetch = x_unfetch;

  shim_vfs = sqlite3_vfs{};
  shim_vfs.iVersion = 2;
  shim_vfs.szOsFile = real_offset + base_vfs->szOsFile;
  shim_vfs.mxPathname = base_vfs->mxPathname;
  shim_vfs.zName = "bounced-wal-buffer";
  shim_vfs.xOpen = x_open;
  shim_vfs.xDelete = x_delete;
  shim_vfs.xAccess = x_access;
  shim_vfs.xFullPathname = x_full_pathname;
  shim_vfs.xDlOpen = x_dl_open;
  shim_vfs.xDlError = x_dl_error;
  shim_vfs.xDlSym = x_dl_sym;
  shim_vfs.xDlClose = x_dl_close;
  shim_vfs.xRandomness = x_randomness;
  shim_vfs.xSleep = x_sleep;
  shim_vfs.xCurrentTime = x_current_time;
  shim_vfs.xGetLastError = x_get_last_error;
  shim_vfs.xCurrentTimeInt64 = x_current_time_int64;
  if (sqlite3_vfs_register(&shim_vfs, 0) != SQLITE_OK) shim_vfs.zName = nullptr;
}

}  // namespace

std::string prepare_for_wal_buffer(sqlite3* db) {
  if (sqlite3_exec(db, "PRAGMA synchronous = FULL; PRAGMA cache_spill = OFF", nullptr, nullptr, nullptr) != SQLITE_OK)
    return sqlite3_errmsg(db);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT synchronous, cache_spill FROM pragma_synchronous, pragma_cache_spill", -1, &st,
                         nullptr) != SQLITE_OK)
    return sqlite3_errmsg(db);
  std::string why;
  if (sqlite3_step(st) != SQLITE_ROW)
    why = sqlite3_errmsg(db);
  else if (sqlite3_column_int(st, 0) < 2)
    why = "PRAGMA synchronous = FULL did not take";
  else if (sqlite3_column_int(st, 1) != 0)
    why = "PRAGMA cache_spill = OFF did not take";
  sqlite3_finalize(st);
  return why;
}

const char* wal_buffer_vfs() {
  static std::once_flag once;
  std::call_once(once, register_vfs);
  return shim_vfs.zName;  // null (the default VFS) if registering failed
}

}  // namespace bounced::storage::sqlite
